"""The house rules every organisation starts with: short, specific, one action each,
framed as what the learner ought to do for their peers rather than what others do."""

from .models import Mode, Trigger

HOUSE_RULES = [
    {
        "trigger": Trigger.REVIEW_DUE, "name": "Peer review due within 24 hours", "hours_before": 24,
        "mode": Mode.AUTOMATIC,
        "subject": "Your peer reviews are due {{ due }}",
        "body_text": "Hi {{ first_name }},\n\nYour peers in {{ cohort }} are counting on your feedback: "
                     "{{ task }} are due {{ due }}.\n\nOpen your reviews: {{ link }}",
    },
    {
        "trigger": Trigger.MICROTASK_DUE, "name": "Micro-task due tomorrow", "hours_before": 24,
        "mode": Mode.AUTOMATIC,
        "subject": "{{ task }} is due {{ due }}",
        "body_text": "Hi {{ first_name }},\n\n\"{{ task }}\" in {{ cohort }} is due {{ due }}. "
                     "It takes a few minutes; do it now while it is fresh.\n\n{{ link }}",
    },
    {
        "trigger": Trigger.CALIBRATION_PENDING, "name": "Calibration not finished", "days": 2,
        "mode": Mode.AUTOMATIC,
        "subject": "Finish your {{ task }}",
        "body_text": "Hi {{ first_name }},\n\nCalibrate before you review, so the grades you give your "
                     "peers are fair: finish your {{ task }}.\n\n{{ link }}",
    },
    {
        "trigger": Trigger.QUESTION_UNANSWERED, "name": "My question unanswered for 48 hours", "days": 2,
        "mode": Mode.AUTOMATIC,
        "subject": "Your question in {{ cohort }} is still open",
        "body_text": "Hi {{ first_name }},\n\nNobody has answered your question yet. Add one detail or "
                     "name who you would like to hear from, and it will get moving.\n\n{{ link }}",
    },
    {
        "trigger": Trigger.NO_SHOW, "name": "Follow-up after a missed session", "mode": Mode.AUTOMATIC,
        "subject": "We missed you at {{ task }}",
        "body_text": "Hi {{ first_name }},\n\nYou were expected at \"{{ task }}\". Catch up on what was "
                     "covered and say whether the next one suits you.\n\n{{ link }}",
    },
    {
        "trigger": Trigger.FIRST_CONTRIBUTION, "name": "First contribution still missing", "days": 3,
        "mode": Mode.APPROVAL,
        "subject": "Your first post in {{ cohort }}",
        "body_text": "Hi {{ first_name }},\n\nYour squad in {{ cohort }} learns from what each member "
                     "brings. Share one thing from your own work this week: a short post is enough.\n\n"
                     "{{ link }}",
    },
    {
        "trigger": Trigger.INACTIVE, "name": "Inactive for 7 days", "days": 7, "mode": Mode.APPROVAL,
        "subject": "{{ cohort }} is going on without you",
        "body_text": "Hi {{ first_name }},\n\nIt has been {{ days }} days since you were last in "
                     "{{ cohort }}. Pick up where you left off with one reply to your squad.\n\n{{ link }}",
    },
]
