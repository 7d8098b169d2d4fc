"""The broker CLI against a real RabbitMQ: bulk publish with confirms, dead letters listed and replayed."""

from __future__ import annotations

import json
from pathlib import Path

from main.bootstrap import bootstrap, build_consumer
from main.service.errors import InvalidEvent
from test.helpers import company_event, wait_until
from test.resources.test_rabbit_worker import RunningWorker, publish_raw, queue_depth


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def test_publish_sends_every_valid_line_and_reports_the_rest(broker_app, amqp_url, tmp_path: Path) -> None:
    lines = [json.dumps(company_event(company_id=f"bulk-{n}")) for n in range(2500)]
    lines.insert(7, "{not json")
    lines.insert(9, json.dumps({"eventType": "company-created", "data": {"id": "no-name"}}))
    source = tmp_path / "events.ndjson"
    source.write_text("\n".join(lines) + "\n")
    result = run(broker_app, "publish", "--no-progress", str(source))
    assert "confirmed: 2500" in result.output
    assert "refused by the broker: 0" in result.output
    assert "rejected before publishing: 2" in result.output and "line 8: invalid JSON" in result.output
    assert result.exit_code == 1
    assert queue_depth(amqp_url, "q.events.sync-service.company-created") == 2500


def test_publish_needs_rabbitmq(app, tmp_path: Path) -> None:
    source = tmp_path / "events.ndjson"
    source.write_text(json.dumps(company_event()) + "\n")
    result = run(app, "publish", str(source))
    assert result.exit_code == 2 and "AMQP_URL" in result.output


def test_dead_letters_are_listed_with_reasons_and_replayed_once_fixed(broker_app, amqp_url) -> None:
    container = broker_app.extensions["company_graph"]
    worker_container = bootstrap(container.settings, geocoder=container.geocoder, consume=False)
    parse = worker_container.dispatcher.processors["company-created"].parse

    def not_yet_supported(body: bytes):
        event = parse(body)
        if event.data.get("tier") == "platinum":
            raise InvalidEvent("tier 'platinum' is not supported yet")
        return event

    worker_container.dispatcher.processors["company-created"].parse = not_yet_supported
    running = RunningWorker(build_consumer(worker_container))
    publish_raw(
        amqp_url, "company-created", company_event(company_id="plat", event_id="ev-plat", tier="platinum")
    )
    publish_raw(amqp_url, "company-created", b"{broken")
    listed = wait_until(
        lambda: run(broker_app, "dead", "list").output.count("\n") >= 3 and run(broker_app, "dead", "list")
    )
    assert "ev-plat\tcompany-created" in listed.output and "not supported yet" in listed.output
    assert "invalid JSON" in listed.output and "2 dead letter(s)" in listed.output

    worker_container.dispatcher.processors["company-created"].parse = parse
    replayed = run(broker_app, "dead", "replay", "--id", "ev-plat")
    assert "replayed ev-plat" in replayed.output and "1 replayed" in replayed.output
    wait_until(lambda: worker_container.store.get_company("PLAT"))
    assert "1 dead letter(s)" in run(broker_app, "dead", "list").output
    running.stop()
    worker_container.close()


def test_replay_needs_ids_or_all(broker_app) -> None:
    assert run(broker_app, "dead", "replay").exit_code == 2
