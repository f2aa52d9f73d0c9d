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


# The house default badges: reviewing well and helping peers weigh more than volume.
# code, name, kind, verb, recipient, threshold, other settings, icon, colour, meaning, how to earn it
DEFAULT_BADGES = [
    ("first-review", "First review", "single_event", "review_submitted", "reviewer_id", 1, {"min_words": 20},
     "target", "#2f6f4e", "Gave a peer their first piece of written feedback.",
     "Submit a peer review of at least 20 words."),
    ("dedicated-reviewer", "Dedicated reviewer", "count", "review_submitted", "reviewer_id", 10,
     {"min_words": 20}, "shield", "#1f5f8b", "Reviews peers' work steadily and in writing.",
     "Submit 10 peer reviews of at least 20 words each."),
    ("helpful-reviewer", "Helpful reviewer", "count", "usefulness_rated", "reviewer_id", 5, {"min_rating": 4},
     "heart", "#b23a48", "Gives feedback that authors find useful.",
     "Have 5 of your reviews rated useful (4 or 5 out of 5) by their authors."),
    ("calibrated-reviewer", "Calibrated reviewer", "calibrated", "calibration_completed", "learner_id", 1,
     {"min_accuracy": 0.85}, "target", "#6a4c93", "Judges work the way the course's experts do.",
     "Finish a calibration within 85% of the expert's assessment."),
    ("first-top-take", "First Top Take", "single_event", "top_take_selected", "author_id", 1, {},
     "star", "#c77d02", "Wrote a post the facilitator picked as a Top Take of the week.",
     "Have one of your posts picked as a Top Take."),
    ("four-week-streak", "Four-week streak", "streak", "post_created", "actor", 4, {"min_words": 30},
     "flame", "#d1495b", "Took part in the discussion every week for a month.",
     "Post at least once (30 words or more) in four weeks in a row."),
    ("squad-player", "Squad player", "count", "squad_milestone_reached", "member_ids", 3, {},
     "people", "#00798c", "Delivers their part so the squad completes its work.",
     "Be in a squad that delivers every role of a prompt three times."),
    ("appreciated", "Appreciated", "count", "kudos_given", "recipient_id", 5, {"period_weeks": 4},
     "heart", "#edae49", "Peers keep thanking them for their help.",
     "Receive kudos from peers 5 times within four weeks."),
    ("century", "Century", "points", "", "actor", 100, {},
     "star", "#30638e", "Earned 100 points in a cohort by reviewing, helping and contributing.",
     "Reach 100 points in one cohort."),
]


def install_default_badges(badge_model=None) -> int:
    """Create the house default badges that do not exist yet; returns how many."""
    if badge_model is None:
        from .badge_models import Badge as badge_model
    made = 0
    for code, name, kind, verb, recipient, threshold, extra, icon, colour, meaning, how in DEFAULT_BADGES:
        _, created = badge_model.objects.get_or_create(
            organization=None, code=code,
            defaults={"name": name, "kind": kind, "verb": verb, "recipient": recipient,
                      "threshold": threshold, "icon": icon, "colour": colour, "description": meaning,
                      "criteria_text": how, **extra},
        )
        made += created
    return made
