from .views import (
    AllocationViewSet,
    AssignmentViewSet,
    CalibrationAttemptViewSet,
    CalibrationExampleViewSet,
    CheckpointViewSet,
    DisputeViewSet,
    GradeViewSet,
    ReviewViewSet,
    RubricViewSet,
    SubmissionViewSet,
)

routes = [
    ("peer-review/rubrics", RubricViewSet, "rubric"),
    ("peer-review/assignments", AssignmentViewSet, "assignment"),
    ("peer-review/calibration-examples", CalibrationExampleViewSet, "calibrationexample"),
    ("peer-review/calibration-attempts", CalibrationAttemptViewSet, "calibrationattempt"),
    ("peer-review/submissions", SubmissionViewSet, "submission"),
    ("peer-review/allocations", AllocationViewSet, "reviewallocation"),
    ("peer-review/reviews", ReviewViewSet, "review"),
    ("peer-review/grades", GradeViewSet, "grade"),
    ("peer-review/checkpoints", CheckpointViewSet, "checkpoint"),
    ("peer-review/disputes", DisputeViewSet, "dispute"),
]
urlpatterns: list = []
