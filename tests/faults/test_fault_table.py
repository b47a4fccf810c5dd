"""The faults a deployment meets, and the test that shows how Marsad handles each.

`pytest tests/faults -v` lists them: the fault campaign of issue 13 (ids 13.N, as numbered
there) and the faults handled before it (ids E.N). Every entry names tests that exist, so a
covered fault cannot silently lose its test. The policies are in docs/faults.md.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

import pytest


@dataclass(frozen=True)
class Fault:
    id: str
    what: str
    tests: tuple[str, ...]


def fault(id_: str, what: str, *tests: str) -> Fault:
    return Fault(id_, what, tests)


SUB = "tests.bot.test_handlers_subscribe"
DELIVERY = "tests.bot.test_delivery_errors"
POLLER = "tests.watchers.test_poller"
FETCH = "tests.watchers.test_fetch"
FEEDS = "tests.watchers.test_feeds"
GUARD = "tests.watchers.test_address_guard"

FAULTS = [
    fault("13.1", "a /subscribe of 2,000 words stalled every chat, poll and alert",
          f"{SUB}::test_an_invalid_query_gets_the_problem_and_its_place_not_a_traceback"),
    fault("13.2", "two HTML 502/504 answers from Telegram lost an alert for good",
          f"{DELIVERY}::test_gateway_errors_are_not_delivered_and_the_alert_goes_out_once",
          f"{DELIVERY}::test_a_storm_of_gateway_errors_backs_off_and_delivers_when_telegram_recovers",
          f"{DELIVERY}::test_an_outage_that_outlasts_the_wait_gives_up_visibly",
          "tests.bot.test_status_undelivered::test_status_shows_the_undelivered_count_and_the_last_reason"),
    fault("13.3", "a clock stepped back silenced every source and chat",
          "tests.faults.test_clock_e2e::test_times_set_a_day_ahead_by_a_clock_that_went_back_are_not_waited_for",
          f"{POLLER}::test_a_clock_stepped_back_does_not_silence_a_source"),
    fault("13.4", "no cap on alerts from one poll or one source; churning feeds",
          "tests.faults.test_flood_e2e::test_a_churning_feed_is_capped_and_summarised",
          "tests.bot.test_fanout::test_a_flood_from_one_source_is_capped_and_summarised",
          "tests.bot.test_fanout::test_a_chat_gets_at_most_forty_alerts_an_hour_from_all_sources",
          "tests.bot.test_source_notices::test_a_churning_source_is_flagged_once"),
    fault("13.5", "a big ingest blocked the event loop for 41 s",
          f"{POLLER}::test_a_big_poll_is_stored_in_chunks_and_other_tasks_run_between_them"),
    fault("13.6", "changing a source's URL alerted its whole current feed",
          f"{POLLER}::test_a_changed_url_is_a_new_first_poll_whose_backlog_is_not_alerted"),
    fault("13.7", "redirects to internal addresses were followed",
          f"{GUARD}::test_redirect_to_another_loopback_address_is_refused",
          f"{GUARD}::test_first_hop_to_a_host_name_resolving_to_loopback_is_refused_unless_allowed",
          f"{GUARD}::test_a_name_is_resolved_once_and_only_checked_addresses_are_connected_to",
          f"{GUARD}::test_a_refused_redirect_fails_the_source_and_stores_nothing"),
    fault("13.8", "a deleted or corrupted SQLite file failed silently",
          "tests.faults.test_sqlite_guard::test_a_missing_database_where_one_was_used_is_refused_unless_allowed",
          "tests.faults.test_sqlite_guard::test_a_damaged_database_is_refused_with_a_clear_error",
          "tests.faults.test_sqlite_guard::test_a_database_deleted_while_running_stops_the_service_loudly"),
    fault("13.9", "disabled or failing sources were not pushed to admins",
          "tests.faults.test_source_notices_e2e::test_a_gone_feed_is_disabled_and_the_admin_is_told",
          "tests.bot.test_source_notices::test_failing_then_disabled_then_working_again_each_told_once"),
    fault("13.10", "callback data was trusted too far (OverflowError, a spinning button)",
          "tests.bot.test_callbacks::test_forged_callback_data_is_answered_refused_and_logged",
          "tests.bot.test_callbacks::test_a_press_whose_handling_fails_is_still_answered"),
    fault("13.11", "bidi overrides and zero-width characters reached alerts",
          "tests.bot.test_display::test_no_alert_line_carries_a_direction_control_of_the_feed",
          "tests.bot.test_display::test_what_is_shown_of_a_feed_text"),
    fault("13.12", "rule files had no limits; loading was quadratic",
          "tests.matching.test_rulefile::test_too_many_entities_is_one_problem_at_the_first_one_past_the_limit",
          "tests.matching.test_rulefile::test_too_many_aliases_and_too_big_a_file"),
    fault("13.13", "UTF-32 feeds without a BOM were refused",
          "tests.watchers.test_charset::test_utf32_without_bom_is_recognised_by_its_zero_bytes",
          f"{FEEDS}::test_charsets_give_arabic_not_mojibake"),
    fault("13.14", "an empty 200 counted as a failure and backed the source off",
          f"{POLLER}::test_an_empty_200_is_not_modified_and_the_first_poll_is_still_to_come"),
    fault("13.15", "stopping during a poll printed an ERROR and a traceback",
          "tests.faults.test_shutdown::test_sigterm_during_a_fetch_lets_the_poll_finish_without_an_error",
          "tests.faults.test_shutdown::test_sigint_twice_is_still_a_clean_stop"),
    fault("E.1", "a gzip bomb or a 20 MB body", f"{FETCH}::test_gzip_bomb_stops_at_the_cap",
          f"{FETCH}::test_20_mb_body_is_too_large_without_being_held_in_memory"),
    fault("E.2", "a server that drips or stalls", f"{FETCH}::test_total_deadline",
          f"{FETCH}::test_deadline_covers_the_whole_redirect_chain"),
    fault("E.3", "redirect loops and chains", f"{FETCH}::test_redirect_loop",
          f"{FETCH}::test_at_most_five_redirects", f"{FETCH}::test_broken_redirects"),
    fault("E.4", "refused, dropped and corrupt connections", f"{FETCH}::test_connection_refused",
          f"{FETCH}::test_dropped_connection", f"{FETCH}::test_corrupt_compression_is_a_network_error_not_a_crash"),
    fault("E.5", "XML entity expansion and external DTDs",
          f"{FEEDS}::test_entity_declarations_are_rejected_before_parsing",
          f"{FEEDS}::test_external_dtd_is_never_read"),
    fault("E.6", "malformed, truncated or HTML-instead-of-feed documents",
          f"{FEEDS}::test_malformed_xml_salvages_entries_and_records_the_error",
          f"{FEEDS}::test_truncated_feed_keeps_the_complete_entries",
          f"{POLLER}::test_html_where_a_feed_was_expected_is_a_failure"),
    fault("E.7", "lying or missing charsets (windows-1256, UTF-16)",
          f"{FEEDS}::test_charsets_give_arabic_not_mojibake",
          f"{POLLER}::test_windows_1256_without_charset_is_stored_as_arabic"),
    fault("E.8", "failing, gone and rate-limiting sources",
          f"{POLLER}::test_a_failing_source_is_counted_backed_off_and_does_not_stop_the_others",
          f"{POLLER}::test_twenty_failures_disable_the_source_with_the_reason",
          f"{POLLER}::test_gone_disables_at_once", f"{POLLER}::test_retry_after_sets_the_next_attempt"),
    fault("E.9", "Telegram 429 storms, blocked chats, migrated groups",
          f"{DELIVERY}::test_a_429_storm_loses_nothing_and_doubles_nothing",
          f"{DELIVERY}::test_a_blocked_chat_is_paused_and_others_continue",
          f"{DELIVERY}::test_a_migrated_group_gets_its_messages_under_the_new_id"),
    fault("E.10", "HTML Telegram refuses, and messages over the length limit",
          f"{DELIVERY}::test_html_telegram_refuses_goes_out_as_plain_text",
          f"{DELIVERY}::test_a_long_message_goes_out_in_parts_at_sentence_boundaries"),
    fault("E.11", "a crash mid-send: nothing lost, at most one resend",
          "tests.bot.test_delivery_crash::test_killed_while_sending_then_restarted",
          "tests.bot.test_run_e2e::test_sigkill_between_send_and_commit_loses_nothing_and_doubles_at_most_once"),
    fault("E.12", "the bot token never printed",
          "tests.bot.test_run_e2e::test_subscribe_publish_receive_and_admin_only_status"),
    fault("E.13", "malformed configuration and rule files, named by file, line and key",
          "tests.test_config::test_errors_name_file_line_key_and_problem",
          "tests.matching.test_rulefile::test_each_kind_of_mistake_is_reported_where_it_is"),
]  # fmt: skip


@pytest.mark.parametrize("case", FAULTS, ids=[f"{f.id} {f.what}" for f in FAULTS])
def test_each_fault_has_its_tests(case: Fault) -> None:
    assert case.tests
    for reference in case.tests:
        module, name = reference.split("::")
        assert callable(getattr(importlib.import_module(module), name, None)), reference


def test_every_item_of_the_campaign_is_listed() -> None:
    assert [f.id for f in FAULTS if f.id.startswith("13.")] == [f"13.{n}" for n in range(1, 16)]
