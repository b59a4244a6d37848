//! The contract of [`Store`]: what every backend must do, written once.
//!
//! Each contract is an `async fn(Arc<dyn Store>)` in one of the modules
//! under `tests/contract/`, given a fresh, empty store. Time comes only from
//! the explicit [`Timestamp`](waylink_core::clock::Timestamp)s the tests pass:
//! nothing sleeps and nothing reads the wall clock.
//!
//! A backend runs the whole suite through one line,
//! `contract_tests!(name, make_store);`, where `make_store` is an
//! `async fn() -> Result<Fresh, Skip>` that opens an empty store, or says
//! why this backend cannot be tested here. It expands to one
//! `#[tokio::test]` per contract, named `name::the_contract`.
//!
//! SQLite runs everywhere. PostgreSQL runs when `WAYLINK_TEST_DATABASE_URL`
//! names a server (`postgres://postgres@127.0.0.1:5432/postgres`): each test
//! gets a schema `wl_test_<random>` of its own, dropped after it. Without the
//! variable each PostgreSQL test passes at once and says on stderr that it
//! was skipped.
//!
//! A contract left out of the list below is dead code, which
//! `cargo clippy --all-targets -- -D warnings` refuses.

#[path = "contract/accounts.rs"]
mod accounts;
#[path = "contract/apps.rs"]
mod apps;
#[path = "contract/batch.rs"]
mod batch;
#[path = "contract/candidates.rs"]
mod candidates;
#[path = "contract/changes.rs"]
mod changes;
#[path = "contract/click_counts.rs"]
mod click_counts;
#[path = "contract/clicks.rs"]
mod clicks;
#[path = "contract/expiry.rs"]
mod expiry;
#[path = "contract/installs.rs"]
mod installs;
#[path = "contract/links.rs"]
mod links;
#[path = "contract/listing.rs"]
mod listing;
#[path = "contract/stats.rs"]
mod stats;
#[path = "contract/support.rs"]
mod support;
#[path = "contract/templates.rs"]
mod templates;
#[path = "contract/usage.rs"]
mod usage;

use std::any::Any;
use std::io::Write;
use std::sync::Arc;

use waylink_store::Store;
use waylink_store::postgres::{ScratchSchema, test_database_url};
use waylink_store::sqlite::{Durability, SqliteStore};

/// A fresh, empty store, and whatever must live as long as it does (a
/// temporary directory, a scratch database to drop).
pub struct Fresh {
    /// The store under test.
    pub store: Arc<dyn Store>,
    /// Dropped after the test.
    pub _guard: Box<dyn Any + Send>,
}

/// Why a backend's contracts cannot run here: they pass without running,
/// and say so.
pub struct Skip(pub &'static str);

/// Says on stderr that the test `name` was skipped. Written to the stream
/// itself, not through `eprintln!`, so that the test harness does not
/// capture it.
pub fn report_skip(Skip(reason): Skip, name: &str) {
    let _ = writeln!(std::io::stderr(), "skipped: {reason}: {name}");
}

/// Expands to one `#[tokio::test]` per contract, in a module named after
/// the backend, each run against a store made by `$fresh`.
macro_rules! contract_tests {
    ($backend:ident, $fresh:path) => {
        contract_tests!(@cases $backend, $fresh,
            accounts: [
                a_created_account_is_read_back_and_listed_oldest_first,
                an_account_is_found_by_name_and_the_oldest_of_that_name_wins,
                updating_an_account_replaces_its_name_and_limits,
                an_account_is_found_by_the_hash_of_any_of_its_live_keys,
                keys_are_listed_oldest_first_with_their_hint_and_a_twelve_character_id,
                a_revoked_key_no_longer_finds_its_account,
                a_key_cannot_be_revoked_through_another_account,
            ],
            apps: [
                a_registered_app_is_read_back_and_listed_oldest_first,
                an_app_id_registered_by_any_account_is_a_conflict,
                another_accounts_app_is_out_of_reach,
                updating_an_app_replaces_its_settings,
                a_deleted_app_is_gone_and_its_app_id_is_free_again,
                an_app_used_by_a_template_cannot_be_deleted,
            ],
            templates: [
                a_created_template_is_read_back_whole_with_its_brand_domains_in_order,
                a_taken_template_id_is_a_conflict_on_any_account,
                a_taken_subdomain_is_a_conflict_on_any_account,
                a_brand_domain_of_another_account_is_a_conflict,
                one_account_may_serve_a_brand_domain_from_two_templates,
                another_accounts_template_is_out_of_reach,
                updating_a_template_replaces_every_field_and_its_brand_domains,
                updating_a_template_onto_a_taken_subdomain_or_foreign_brand_domain_is_a_conflict,
                deleting_a_template_deletes_its_links,
                a_deleted_templates_subdomain_and_brand_domains_are_free_again,
                of_concurrent_claims_of_one_brand_domain_by_two_accounts_one_account_wins,
            ],
            links: [
                a_created_link_is_read_back_whole,
                creating_a_link_over_a_live_id_is_a_conflict,
                an_expired_link_id_can_be_reused,
                the_same_link_id_may_live_in_two_templates,
                updating_a_link_replaces_its_data_and_restarts_its_ttl,
                updating_a_link_changes_renew_ttl_and_brand_domain_when_given,
                an_expired_or_missing_link_cannot_be_updated_or_deleted,
                a_deleted_link_is_gone_and_its_id_is_free,
                of_concurrent_creates_of_one_id_exactly_one_wins,
            ],
            batch: [
                a_batch_answers_one_result_per_link_in_order,
                an_empty_batch_answers_no_results,
                link_data_comes_back_byte_for_byte,
                link_data_with_nul_and_control_characters_is_kept_and_matched_exactly,
            ],
            listing: [
                links_are_listed_newest_first_with_a_cursor_after_the_last_one,
                paging_with_the_cursor_returns_every_live_link_exactly_once,
                a_limit_larger_than_the_listing_returns_everything_on_one_page,
                listing_is_scoped_to_the_template,
                filters_match_exact_values_and_combine_with_and,
                filters_on_unusual_keys_and_values_match_exactly,
                filters_and_paging_work_together,
            ],
            expiry: [
                a_link_is_gone_at_its_expiry_even_before_the_purge,
                a_click_pushes_a_renewing_links_expiry_to_click_time_plus_ttl,
                a_click_renews_nothing_on_a_link_made_with_renew_ttl_false,
                a_click_on_an_expired_or_missing_link_renews_nothing,
                renewal_never_shortens_a_link,
                the_purge_deletes_exactly_the_expired_links,
            ],
            clicks: [
                recorded_clicks_are_read_back_whole_and_oldest_first,
                a_retried_batch_stores_each_click_once,
                clicks_are_listed_per_template_from_a_time_on,
                a_click_renews_the_live_link_it_was_on,
                a_batch_of_clicks_on_two_links_renews_each_to_its_last_click,
                the_purge_deletes_clicks_older_than_31_days,
                templates_are_found_by_id_subdomain_and_brand_domain_across_accounts,
                apps_are_found_by_id_across_accounts_skipping_unknown_ones,
                a_server_secret_is_made_once_and_kept,
                a_lease_is_held_by_one_holder_until_it_runs_out,
                a_reachable_store_answers_the_ping,
                clicks_with_nul_characters_are_stored_and_found_whole,
            ],
            candidates: [
                an_app_is_found_by_the_hash_of_its_sdk_key_with_its_account,
                the_templates_of_an_app_open_it_on_android_or_ios_in_any_account,
                the_referrer_candidate_is_the_click_the_referrer_names,
                advertising_id_candidates_are_the_latest_of_the_platform_within_30_days_newest_first,
                ip_candidates_are_the_latest_of_the_platform_within_24_hours_newest_first,
            ],
            installs: [
                an_install_is_created_once_per_device_and_the_first_outcome_is_kept,
                an_install_is_read_back_with_its_attribution,
                touching_an_install_keeps_its_outcome_and_creates_none,
            ],
            stats: [
                stats_rows_count_clicks_installs_and_reengagements_by_pid_campaign_platform_and_day,
                stats_rows_of_one_short_link_leave_out_other_links_and_organic_installs,
                stats_rows_cover_the_range_from_inclusive_to_exclusive,
            ],
            click_counts: [
                counters_give_the_same_statistics_as_the_raw_clicks_for_whole_days,
                a_range_with_partial_days_at_both_ends_counts_exactly_the_clicks_inside_it,
                statistics_of_a_day_whose_raw_clicks_were_purged_still_count_its_clicks,
                a_batch_recorded_twice_counts_each_click_once,
                absent_pids_and_campaigns_stay_apart_from_empty_ones,
                pids_campaigns_and_links_with_nul_and_control_characters_are_counted_exactly,
            ],
            changes: [
                updates_and_deletes_of_links_are_logged_and_creates_are_not,
                writes_that_change_nothing_are_not_logged,
                template_creates_updates_and_deletes_are_logged,
                a_read_answers_only_rows_after_the_time_asked_with_distinct_ids,
            ],
            usage: [
                each_request_in_a_second_counts_one_more_and_a_new_second_starts_at_one,
                a_request_reports_the_quota_used_today_without_using_any,
                charging_quota_adds_units_and_answers_the_days_total,
                the_quota_day_turns_at_midnight_utc,
                usage_counters_are_per_account,
                concurrent_charges_are_each_counted_once,
                a_purge_keeps_the_current_usage_counters,
            ],
        );
    };
    (@cases $backend:ident, $fresh:path, $($module:ident: [$($case:ident),* $(,)?]),* $(,)?) => {
        mod $backend {
            $($(
                #[tokio::test]
                async fn $case() {
                    let fresh: $crate::Fresh = match $fresh().await {
                        Ok(fresh) => fresh,
                        Err(skip) => {
                            let name = concat!(stringify!($backend), "::", stringify!($case));
                            return $crate::report_skip(skip, name);
                        }
                    };
                    $crate::$module::$case(::std::sync::Arc::clone(&fresh.store)).await;
                    drop(fresh);
                }
            )*)*
        }
    };
}

/// An embedded store in its own temporary directory.
async fn sqlite_store() -> Result<Fresh, Skip> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = SqliteStore::open(dir.path(), Durability::Process).expect("the SQLite store opens");
    Ok(Fresh {
        store: Arc::new(store),
        _guard: Box::new(dir),
    })
}

/// Connections each PostgreSQL test may open: enough for the contracts
/// that race many writes, few enough for many tests at once.
const POSTGRES_POOL_SIZE: usize = 8;

/// A PostgreSQL store in a fresh schema of the server named by
/// `WAYLINK_TEST_DATABASE_URL`; the schema is dropped with the guard, even
/// when the test fails. Without the variable, the test is skipped; with it,
/// a server that cannot be reached fails the test.
async fn postgres_store() -> Result<Fresh, Skip> {
    let Some(url) = test_database_url() else {
        return Err(Skip(
            "WAYLINK_TEST_DATABASE_URL is not set (PostgreSQL contract test)",
        ));
    };
    let schema = ScratchSchema::create(&url)
        .await
        .expect("a scratch schema is created on WAYLINK_TEST_DATABASE_URL");
    let store = schema
        .store(POSTGRES_POOL_SIZE)
        .await
        .expect("the PostgreSQL store opens in the scratch schema");
    Ok(Fresh {
        store: Arc::new(store),
        _guard: Box::new(schema),
    })
}

contract_tests!(sqlite, crate::sqlite_store);
contract_tests!(postgres, crate::postgres_store);
