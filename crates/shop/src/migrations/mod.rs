//! The shop's schema history, oldest first. Applied revisions are never edited; a schema
//! change is a new revision (`shop db revision -m "..."` writes and registers one).

use migrate::{Revision, RevisionGraph};

mod r0001_create_categories_products_users;
mod r0002_add_tags;
mod r0003_add_user_role;
mod r0004_split_user_names;
mod r0005_add_suppliers;
mod r0006_add_product_variants;
mod r0007_add_orders;
mod r0008_add_orders_idempotency_key;
mod r0009_add_product_search_indexes;
mod r0010_add_product_name_search;
mod r0011_add_sales_rollups;
mod r0012_add_analytics_covering_indexes;
mod r0013_mysql_text_compares_by_code_point;
mod r0014_usernames_and_emails_unique_ignoring_case;
mod r0015_add_cache_epoch;
mod r0016_add_category_price_totals;
mod r0017_add_events_outbox_webhooks_and_job_leases;
// @migrate:modules-end

/// Every revision of the shop, in registration order.
pub fn revisions() -> Vec<Revision> {
    vec![
        r0001_create_categories_products_users::revision(),
        r0002_add_tags::revision(),
        r0003_add_user_role::revision(),
        r0004_split_user_names::revision(),
        r0005_add_suppliers::revision(),
        r0006_add_product_variants::revision(),
        r0007_add_orders::revision(),
        r0008_add_orders_idempotency_key::revision(),
        r0009_add_product_search_indexes::revision(),
        r0010_add_product_name_search::revision(),
        r0011_add_sales_rollups::revision(),
        r0012_add_analytics_covering_indexes::revision(),
        r0013_mysql_text_compares_by_code_point::revision(),
        r0014_usernames_and_emails_unique_ignoring_case::revision(),
        r0015_add_cache_epoch::revision(),
        r0016_add_category_price_totals::revision(),
        r0017_add_events_outbox_webhooks_and_job_leases::revision(),
        // @migrate:revisions-end
    ]
}

/// The validated revision graph.
///
/// # Errors
/// A malformed registry (duplicate id, unknown parent, cycle, or a revision that does not
/// replay on the schema model).
pub fn graph() -> Result<RevisionGraph, migrate::graph::GraphError> {
    RevisionGraph::new(revisions())
}

/// Where `shop db revision` writes new files.
pub fn source_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join("migrations")
}
