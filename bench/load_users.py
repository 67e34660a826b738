"""Locust users of bench/load.py: a marketer's realistic mix against one workspace.

Weights: calendar feed 40, inbox list 30, dashboard 15, post create 15 (per 100 requests).
Configured by bench/load.py through environment variables.
"""

import datetime as dt
import itertools
import os
import random
import sys

if __name__ == "__main__":  # `make bench` runs every bench/*.py; this one is locust's file
    print("bench/load_users.py is the locust file of bench/load.py; run that instead.")
    sys.exit(0)

from locust import HttpUser, between, task  # noqa: E402

WS = os.environ["LOAD_WS"]
SESSION = os.environ["LOAD_SESSION"]
TOKEN = os.environ["LOAD_API_TOKEN"]
BRAND = int(os.environ["LOAD_BRAND"])
ACCOUNTS = [int(a) for a in os.environ["LOAD_ACCOUNTS"].split(",")]
_counter = itertools.count()


class Marketer(HttpUser):
    wait_time = between(0.2, 1.0)

    def on_start(self):
        # One session, logged in once by bench/load.py, so password hashing (deliberately
        # slow) is not part of the measured mix. Production settings mark the cookie Secure;
        # this load runs over plain HTTP on loopback (TLS is the proxy's job).
        self.client.cookies.set("sessionid", SESSION, domain="", path="/")

    def _page(self, url: str, name: str):
        with self.client.get(url, allow_redirects=False, catch_response=True, name=name) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} {response.headers.get('Location', '')}")

    @task(40)
    def calendar_feed(self):
        month = dt.date.today().replace(day=1) + dt.timedelta(days=random.choice([-31, 0, 31]))
        start = month.replace(day=1)
        end = (start + dt.timedelta(days=42)).isoformat()
        self.client.get(f"/w/{WS}/calendar/events/?start={start.isoformat()}&end={end}", name="calendar feed (6 weeks)")

    @task(30)
    def inbox_list(self):
        self._page(f"/w/{WS}/inbox/", "inbox list")

    @task(15)
    def dashboard(self):
        self._page(f"/w/{WS}/analytics/", "analytics dashboard")

    @task(15)
    def post_create(self):
        with self.client.post(
            f"/api/v1/workspaces/{WS}/posts/",
            catch_response=True,
            json={
                "brand": BRAND,
                "accounts": random.sample(ACCOUNTS, k=min(2, len(ACCOUNTS))),
                "text": f"Load test post {next(_counter)} #coffee https://example.com/spring",
            },
            headers={"Authorization": f"Bearer {TOKEN}"},
            name="post create (API)",
        ) as response:
            if response.status_code != 201:
                response.failure(f"{response.status_code} {response.text[:200]}")
