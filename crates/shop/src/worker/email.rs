//! Email to customers about their orders, over SMTP (`SMTP_URL`), from the event's body: a
//! plain-text and an HTML part.

use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde_json::Value;

use crate::config::EventSettings;

use super::Outcome;

/// The SMTP connection settings and the sender.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// `None` without `SMTP_URL`.
    ///
    /// # Errors
    /// An `SMTP_URL` or `EMAIL_FROM` that lettre cannot use, as one line.
    pub fn new(settings: &EventSettings) -> Result<Option<Self>, String> {
        let Some(url) = &settings.smtp_url else { return Ok(None) };
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.as_str())
            .map_err(|e| format!("SMTP_URL: {e}"))?
            .timeout(Some(settings.webhook_timeout))
            .build();
        let from = settings.email_from.parse().map_err(|e| format!("EMAIL_FROM: {e}"))?;
        Ok(Some(Self { transport, from }))
    }

    /// Sends the email of event `payload` to `to`.
    pub async fn send(&self, to: &str, payload: &str) -> Outcome {
        let Ok(to) = to.parse::<Mailbox>() else {
            return Outcome::failed(None, format!("not an email address: {to}"));
        };
        let Ok(event) = serde_json::from_str::<Value>(payload) else {
            return Outcome::failed(None, "the event's body is not JSON".to_owned());
        };
        let (subject, text, html) = render(&event);
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .multipart(MultiPart::alternative_plain_html(text, html));
        let message = match message {
            Ok(message) => message,
            Err(err) => return Outcome::failed(None, format!("cannot build the email: {err}")),
        };
        match self.transport.send(message).await {
            Ok(response) => Outcome::delivered(Some(response.code().into())),
            Err(err) => Outcome::failed(err.status().map(u16::from), format!("SMTP: {err}")),
        }
    }
}

/// Subject, text and HTML of an order event.
fn render(event: &Value) -> (String, String, String) {
    let data = &event["data"];
    let number = data["order_number"].as_str().unwrap_or("?");
    let total = data["total_amount"].as_str().map_or_else(|| data["total_amount"].to_string(), str::to_owned);
    let status = data["status"].as_str().unwrap_or("?");
    let lines: Vec<String> = data["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|i| format!("{} x product {} at {}", i["quantity"], i["product_id"], money(&i["unit_price"])))
                .collect()
        })
        .unwrap_or_default();
    let (subject, intro) = if event["type"] == "order.created" {
        (format!("Order {number} received"), format!("Thank you for your order {number}."))
    } else if data["reason"] == "expired" {
        (format!("Order {number} cancelled"), format!("Your order {number} was not paid in time and is now cancelled."))
    } else {
        (format!("Order {number} is now {status}"), format!("Your order {number} is now {status}."))
    };
    let text = format!("{intro}\n\n{}\n\nTotal: {total}\nStatus: {status}\n", lines.join("\n"));
    let items: String = lines.iter().map(|l| format!("<li>{}</li>", escape(l))).collect();
    let html = format!(
        "<!doctype html><html><body><p>{}</p><ul>{items}</ul><p>Total: <strong>{}</strong><br>Status: {}</p></body></html>",
        escape(&intro),
        escape(&total),
        escape(status)
    );
    (subject, text, html)
}

fn money(value: &Value) -> String {
    value.as_str().map_or_else(|| value.to_string(), str::to_owned)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_order_created_email_names_the_order_lines_and_total() {
        let event = serde_json::json!({"type": "order.created", "data": {"order_number": "ORD-1", "status": "pending",
            "total_amount": "39.98", "items": [{"product_id": 7, "quantity": 2, "unit_price": "19.99"}]}});
        let (subject, text, html) = render(&event);
        assert_eq!(subject, "Order ORD-1 received");
        assert!(text.contains("2 x product 7 at 19.99") && text.contains("Total: 39.98"), "{text}");
        assert!(html.contains("<li>2 x product 7 at 19.99</li>"), "{html}");
    }

    #[test]
    fn an_expired_order_says_why() {
        let event = serde_json::json!({"type": "order.status_changed", "data": {"order_number": "ORD-2",
            "status": "cancelled", "reason": "expired", "total_amount": "1.00", "items": []}});
        assert_eq!(render(&event).0, "Order ORD-2 cancelled");
    }
}
