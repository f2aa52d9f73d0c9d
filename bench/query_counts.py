"""SQL queries per request for the cohort page, This week, the facilitator
pages and the cohort API, at 10 and at 1,000 members (and 10x more of
everything else). Usage: .venv/bin/python bench/query_counts.py [--sizes 10,1000]"""

from __future__ import annotations

import argparse
import time

from common import print_table, scratch_database, setup_django


def populate(members: int):
    from cohorts.models import CohortMembership, CohortRole, Squad, User
    from tests.conftest import build_world
    from tests.factories import CohortFactory

    world = build_world(f"bench{members}")
    squads = Squad.objects.bulk_create(
        Squad(cohort=world.cohort, name=f"Squad {i}") for i in range(max(1, members // 5))
    )
    users = User.objects.bulk_create(
        User(email=f"m{i}@bench{members}.example", full_name=f"Member {i}", organization=world.org)
        for i in range(members)
    )
    CohortMembership.objects.bulk_create(
        CohortMembership(cohort=world.cohort, user=u, role=CohortRole.LEARNER,
                         squad=squads[i % len(squads)])
        for i, u in enumerate(users)
    )
    for _ in range(members // 50):
        cohort = CohortFactory(organization=world.org)
        CohortMembership.objects.create(cohort=cohort, user=world.facilitator,
                                        role=CohortRole.FACILITATOR)
        CohortMembership.objects.create(cohort=cohort, user=world.learner, role=CohortRole.LEARNER)
    return world


def measure(client, user, url: str, repeat: int = 5) -> tuple[int, float]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(user)
    client.get(url)  # warm caches (templates, content types)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    queries = len(captured)  # read now: the next request clears the connection's log
    assert response.status_code == 200, (url, response.status_code)
    started = time.perf_counter()
    for _ in range(repeat):
        client.get(url)
    elapsed = (time.perf_counter() - started) / repeat
    return queries, elapsed * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10,1000")
    args = parser.parse_args()
    setup_django()
    from django.conf import settings
    from django.test import Client
    from django.urls import reverse

    rows = []
    with scratch_database():
        for size in [int(s) for s in args.sizes.split(",")]:
            world = populate(size)
            pages = [
                ("learner", world.learner, reverse("portal:this_week")),
                ("learner", world.learner, reverse("portal:cohort_detail", args=[world.cohort.pk])),
                ("learner", world.learner, reverse("portal:profile")),
                ("learner", world.learner, "/api/v1/cohorts/"),
                ("facilitator", world.facilitator, reverse("portal:facilitate")),
                ("facilitator", world.facilitator, reverse("portal:cohort_manage", args=[world.cohort.pk])),
                ("facilitator", world.facilitator, "/api/v1/cohorts/"),
                ("facilitator", world.facilitator, f"/api/v1/memberships/?cohort={world.cohort.pk}"),
                ("hr_admin", world.hr_admin, "/api/v1/cohorts/"),
                ("hr_admin", world.hr_admin, "/api/v1/users/"),
            ]
            client = Client()
            for role, user, url in pages:
                queries, ms = measure(client, user, url)
                rows.append([size, role, url.split("?")[0], queries, f"{ms:.1f}"])
    print_table(f"Queries per request ({settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]})",
                ["members", "as", "page", "queries", "ms/request"], rows)


if __name__ == "__main__":
    main()
