//! add events outbox webhooks and job leases
//!
//! Order events reach webhooks and customers' inboxes through an outbox: `events` rows are
//! written in the transaction of the change that causes them, with one `deliveries` row per
//! destination, so a rolled-back change has no event and a committed one always has. Workers
//! claim due deliveries (`ix_deliveries_status_next_attempt_at`), log each try in
//! `delivery_attempts`, and take turns at scheduled jobs through `job_leases`.
//!
//! Revision ID: f0064837d64d
//! Revises: 5d41c7a09e3b
//! Create Date: 2026-12-06 22:47:51

#[allow(unused_imports)]
use migrate::{Alter, Column, ColumnType as T, DefaultValue, FkAction, Ops, Revision};

pub fn revision() -> Revision {
    Revision::new("f0064837d64d", "add events outbox webhooks and job leases")
        .revises("5d41c7a09e3b")
        .created("2026-12-06 22:47:51")
        .upgrade(upgrade)
        .downgrade(downgrade)
}

fn upgrade(op: &mut Ops) {
    op.create_table("events", |t| {
        t.add(Column::new("id", T::String(40)))
            .add(Column::new("event_type", T::String(50)))
            .add(Column::new("payload", T::Text))
            .add(Column::new("created_at", T::TimestampTz))
            .primary_key(&["id"]);
    });
    op.create_index("ix_events_created_at", "events", &["created_at"]);
    op.create_table("job_leases", |t| {
        t.add(Column::new("name", T::String(50)))
            .add(Column::new("holder", T::String(100)).null())
            .add(Column::new("locked_until", T::TimestampTz).null())
            .add(Column::new("next_run_at", T::TimestampTz))
            .add(Column::new("last_finished_at", T::TimestampTz).null())
            .add(Column::new("last_result", T::String(500)).null())
            .primary_key(&["name"]);
    });
    op.create_table("webhooks", |t| {
        t.id("id")
            .add(Column::new("url", T::String(2000)))
            .add(Column::new("events", T::String(500)))
            .add(Column::new("description", T::String(500)).null())
            .add(Column::new("is_active", T::Boolean))
            .add(Column::new("secret", T::String(100)))
            .add(Column::new("created_at", T::TimestampTz))
            .add(Column::new("updated_at", T::TimestampTz));
    });
    op.create_table("deliveries", |t| {
        t.id("id")
            .add(Column::new("event_id", T::String(40)))
            .add(Column::new("event_type", T::String(50)))
            .add(Column::new("channel", T::String(10)))
            .add(Column::new("webhook_id", T::Integer).null())
            .add(Column::new("recipient", T::String(255)).null())
            .add(Column::new("status", T::String(10)))
            .add(Column::new("attempts", T::Integer))
            .add(Column::new("last_status_code", T::Integer).null())
            .add(Column::new("last_error", T::String(500)).null())
            .add(Column::new("next_attempt_at", T::TimestampTz))
            .add(Column::new("locked_until", T::TimestampTz).null())
            .add(Column::new("lease_token", T::String(32)).null())
            .add(Column::new("created_at", T::TimestampTz))
            .add(Column::new("delivered_at", T::TimestampTz).null())
            .add(Column::new("updated_at", T::TimestampTz))
            .foreign_key("fk_deliveries_event_id", &["event_id"], "events", &["id"], FkAction::Cascade)
            .foreign_key("fk_deliveries_webhook_id", &["webhook_id"], "webhooks", &["id"], FkAction::Cascade)
            .check("ck_deliveries_status", "status IN ('pending', 'delivered', 'failed', 'dead')")
            .check("ck_deliveries_channel", "channel IN ('webhook', 'email')");
    });
    op.create_index("ix_deliveries_event_id", "deliveries", &["event_id"]);
    op.create_index("ix_deliveries_webhook_id", "deliveries", &["webhook_id"]);
    op.create_index("ix_deliveries_status_next_attempt_at", "deliveries", &["status", "next_attempt_at"]);
    op.create_table("delivery_attempts", |t| {
        t.id("id")
            .add(Column::new("delivery_id", T::Integer))
            .add(Column::new("attempt", T::Integer))
            .add(Column::new("status_code", T::Integer).null())
            .add(Column::new("error", T::String(500)).null())
            .add(Column::new("duration_ms", T::Integer))
            .add(Column::new("created_at", T::TimestampTz))
            .foreign_key(
                "fk_delivery_attempts_delivery_id",
                &["delivery_id"],
                "deliveries",
                &["id"],
                FkAction::Cascade,
            );
    });
    op.create_index("ix_delivery_attempts_delivery_id", "delivery_attempts", &["delivery_id"]);
}

fn downgrade(op: &mut Ops) {
    op.drop_table("delivery_attempts");
    op.drop_table("deliveries");
    op.drop_table("webhooks");
    op.drop_table("job_leases");
    op.drop_table("events");
}
