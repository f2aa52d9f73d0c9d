"""The house default point rules. Peer reviewing, feedback others find useful,
posts peers endorse and Top Takes are worth more than simply posting; daily caps
keep volume from paying. Organisations override a default by adding a rule with the
same code. Installed by migration 0002; `install_default_rules` puts back any that
are missing (a test database flushed between tests loses migration rows)."""

DEFAULT_RULES = [
    # code, verb, recipient, points, daily cap, conditions, history text
    ("peer-review", "review_submitted", "reviewer_id", 10, 40, {"min_words": 20},
     "reviewed a peer's submission"),
    ("useful-review", "usefulness_rated", "reviewer_id", 5, None, {"min_rating": 4, "only_first": True},
     "your review was rated useful"),
    ("close-calibration", "calibration_completed", "learner_id", 3, None, {"min_accuracy": 0.75},
     "calibrated close to the expert"),
    ("top-take", "top_take_selected", "author_id", 15, None, {},
     "your post was picked as a Top Take"),
    ("endorsed-post", "post_endorsed", "author_id", 3, 15, {},
     "{endorser} endorsed your post"),
    ("endorsing", "post_endorsed", "actor", 1, 5, {},
     "endorsed a peer's post"),
    ("thoughtful-post", "post_created", "actor", 2, 10, {"min_words": 30},
     "posted in the discussion"),
    ("thoughtful-reply", "reply_created", "actor", 1, 5, {"min_words": 15},
     "replied to a peer"),
    ("micro-task", "microtask_completed", "user_id", 2, 6, {},
     "completed a micro-task"),
    ("squad-milestone", "squad_milestone_reached", "member_ids", 8, None, {},
     "your squad delivered every role"),
    ("kudos-received", "kudos_given", "recipient_id", 2, 10, {},
     "{actor} thanked you"),
]


def install_default_rules(rule_model=None) -> int:
    """Create the house defaults that do not exist yet (existing ones are left as they
    are: an operator may have tuned them). Returns how many were created."""
    if rule_model is None:
        from .models import PointRule as rule_model
    made = 0
    for code, verb, recipient, points, cap, conditions, text in DEFAULT_RULES:
        _, created = rule_model.objects.get_or_create(
            organization=None, code=code,
            defaults={"verb": verb, "recipient": recipient, "points": points, "daily_cap": cap,
                      "history_text": text, **conditions},
        )
        made += created
    return made
