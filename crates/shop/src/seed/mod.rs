//! `shop seed`: the guide's sample dataset (5 categories, 5 suppliers, 15 products, tags,
//! customers, and orders spread over the last 12 months). Idempotent: rows that exist (by
//! their unique names) are kept, so running it twice changes nothing.

pub mod bulk;
pub mod catalog;
pub mod scale;

use chrono::{Duration, Months, Utc};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, Set, TransactionTrait,
};

use crate::entity::{categories, order_items, orders, product_tags, products, suppliers, tags, users};
use crate::error::ApiError;

const CATEGORIES: [(&str, &str); 5] = [
    ("Electronics", "Electronic devices"),
    ("Books", "Books and literature"),
    ("Clothing", "Apparel and accessories"),
    ("Home & Garden", "Home improvement items"),
    ("Sports", "Sports and fitness equipment"),
];

const SUPPLIERS: [(&str, &str, f64); 5] = [
    ("TechCorp", "tech@corp.com", 4.5),
    ("BookWorld", "info@bookworld.com", 4.8),
    ("FashionHub", "sales@fashion.com", 4.2),
    ("HomeSupply", "home@supply.com", 4.0),
    ("SportsTech", "sports@tech.com", 4.6),
];

/// (name, price in cents, stock, category index, sku)
const PRODUCTS: [(&str, i64, i32, usize, &str); 15] = [
    ("iPhone 15 Pro", 119_999, 50, 0, "TC-IP15P"),
    ("MacBook Pro", 249_999, 25, 0, "TC-MBP"),
    ("Samsung Galaxy S24", 89_999, 30, 0, "TC-SGS24"),
    ("iPad Air", 59_999, 40, 0, "TC-IPAD"),
    ("Python Programming", 4_999, 100, 1, "BW-PY"),
    ("Data Science Handbook", 5_999, 75, 1, "BW-DS"),
    ("Web Development Guide", 3_999, 80, 1, "BW-WEB"),
    ("Nike T-Shirt", 2_999, 200, 2, "FH-NTS"),
    ("Levi's Jeans", 8_999, 120, 2, "FH-LJ"),
    ("Adidas Sneakers", 12_999, 80, 2, "FH-AS"),
    ("Garden Tools Set", 7_999, 60, 3, "HS-GTS"),
    ("Indoor Plant Pot", 2_499, 150, 3, "HS-IPP"),
    ("Yoga Mat", 3_499, 90, 4, "ST-YM"),
    ("Dumbbells Set", 14_999, 30, 4, "ST-DS"),
    ("Running Shoes", 11_999, 60, 4, "ST-RS"),
];

const TAGS: [(&str, &str); 4] =
    [("new", "#28a745"), ("sale", "#dc3545"), ("bestseller", "#ffc107"), ("eco", "#17a2b8")];

/// Customers of the sample data; their password is `demo-password` (sample data only).
const CUSTOMERS: [(&str, &str); 3] = [("alice", "Alice Johnson"), ("bob", "Bob Smith"), ("carol", "Carol White")];

/// What `seed` created.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SeedReport {
    pub categories: u64,
    pub suppliers: u64,
    pub products: u64,
    pub tags: u64,
    pub users: u64,
    pub orders: u64,
}

/// A small deterministic generator, so the sample orders are the same on every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, bound: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % bound
    }
}

/// Loads the sample dataset in one transaction.
///
/// # Errors
/// Database errors (nothing is written then).
pub async fn seed_sample(db: &DatabaseConnection) -> Result<SeedReport, ApiError> {
    let txn = db.begin().await?;
    let now = Utc::now();
    let mut report = SeedReport::default();
    let mut category_ids = Vec::new();
    for (name, description) in CATEGORIES {
        let found = categories::Entity::find().filter(categories::Column::Name.eq(name)).one(&txn).await?;
        let id = match found {
            Some(c) => c.id,
            None => {
                report.categories += 1;
                categories::ActiveModel {
                    name: Set(name.into()),
                    description: Set(Some(description.into())),
                    is_active: Set(true),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                }
                .insert(&txn)
                .await?
                .id
            }
        };
        category_ids.push(id);
    }
    let mut supplier_ids = Vec::new();
    for (name, email, rating) in SUPPLIERS {
        let found = suppliers::Entity::find().filter(suppliers::Column::Name.eq(name)).one(&txn).await?;
        let id = match found {
            Some(s) => s.id,
            None => {
                report.suppliers += 1;
                suppliers::ActiveModel {
                    name: Set(name.into()),
                    contact_email: Set(Some(email.into())),
                    rating: Set(Some(rating)),
                    is_active: Set(true),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                }
                .insert(&txn)
                .await?
                .id
            }
        };
        supplier_ids.push(id);
    }
    let mut product_rows = Vec::new();
    for (name, cents, stock, category, sku) in PRODUCTS {
        let found = products::Entity::find().filter(products::Column::Sku.eq(sku)).one(&txn).await?;
        let product = match found {
            Some(p) => p,
            None => {
                report.products += 1;
                products::ActiveModel {
                    name: Set(name.into()),
                    description: Set(Some(format!("{name} from the sample catalog"))),
                    sku: Set(Some(sku.into())),
                    price: Set(Decimal::new(cents, 2)),
                    stock_quantity: Set(stock),
                    is_active: Set(true),
                    category_id: Set(category_ids[category]),
                    supplier_id: Set(Some(supplier_ids[category])),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                }
                .insert(&txn)
                .await?
            }
        };
        product_rows.push(product);
    }
    let mut tag_ids = Vec::new();
    for (name, color) in TAGS {
        let found = tags::Entity::find().filter(tags::Column::Name.eq(name)).one(&txn).await?;
        let id = match found {
            Some(t) => t.id,
            None => {
                report.tags += 1;
                let id = tags::ActiveModel {
                    name: Set(name.into()),
                    color: Set(Some(color.into())),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                }
                .insert(&txn)
                .await?
                .id;
                // New tags get their products; existing associations are left as they are.
                for (i, product) in product_rows.iter().enumerate() {
                    if (i + tag_ids.len()) % 3 == 0 {
                        product_tags::ActiveModel { product_id: Set(product.id), tag_id: Set(id) }.insert(&txn).await?;
                    }
                }
                id
            }
        };
        tag_ids.push(id);
    }
    let mut customers = Vec::new();
    for (username, full_name) in CUSTOMERS {
        let found = users::Entity::find()
            .filter(users::Column::UsernameKey.eq(users::username_key(username)))
            .one(&txn)
            .await?;
        let user = match found {
            Some(u) => u,
            None => {
                report.users += 1;
                let (first, last) = full_name.split_once(' ').unwrap_or((full_name, ""));
                users::ActiveModel {
                    username: Set(username.into()),
                    username_key: Set(users::username_key(username)),
                    email: Set(format!("{username}@example.com")),
                    full_name: Set(full_name.into()),
                    first_name: Set(first.into()),
                    last_name: Set(last.into()),
                    hashed_password: Set(crate::security::hash_password_blocking("demo-password".into()).await?),
                    role: Set("user".into()),
                    is_active: Set(true),
                    is_superuser: Set(false),
                    phone: Set(None),
                    date_of_birth: Set(None),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                }
                .insert(&txn)
                .await?
            }
        };
        customers.push(user);
    }
    if orders::Entity::find().filter(orders::Column::OrderNumber.starts_with("SEED-")).count(&txn).await? == 0 {
        report.orders = seed_orders(&txn, &customers, &product_rows).await?;
        crate::service::rollup::rebuild(&txn).await?;
    }
    // Running servers see the new rows within a second, not at their cache's TTL.
    crate::cache::epoch::bump(&txn).await?;
    txn.commit().await?;
    Ok(report)
}

async fn seed_orders(
    txn: &sea_orm::DatabaseTransaction,
    customers: &[users::Model],
    products: &[products::Model],
) -> Result<u64, ApiError> {
    let mut rng = Lcg(42);
    let statuses = ["delivered", "delivered", "shipped", "processing", "pending", "cancelled"];
    let now = Utc::now();
    let mut count = 0;
    for month in 0..12u32 {
        for k in 0..(3 + u64::from(month % 4)) {
            let when = now.checked_sub_months(Months::new(month)).unwrap_or(now)
                - Duration::days(i64::try_from(k).unwrap_or(0) * 2);
            let user = &customers[usize::try_from(rng.next(customers.len() as u64)).unwrap_or(0)];
            let status = statuses[usize::try_from(rng.next(statuses.len() as u64)).unwrap_or(0)];
            count += 1;
            let order = orders::ActiveModel {
                order_number: Set(format!("SEED-{:03}-{k}", month)),
                total_amount: Set(Decimal::ZERO),
                status: Set(status.into()),
                user_id: Set(user.id),
                idempotency_key: Set(None),
                request_fingerprint: Set(None),
                created_at: Set(when),
                updated_at: Set(when),
                ..Default::default()
            }
            .insert(txn)
            .await?;
            let mut total = Decimal::ZERO;
            for _ in 0..=rng.next(3) {
                let product = &products[usize::try_from(rng.next(products.len() as u64)).unwrap_or(0)];
                let quantity = i32::try_from(rng.next(3) + 1).unwrap_or(1);
                total += product.price * Decimal::from(quantity);
                order_items::ActiveModel {
                    order_id: Set(order.id),
                    product_id: Set(product.id),
                    variant_id: Set(None),
                    quantity: Set(quantity),
                    unit_price: Set(product.price),
                    created_at: Set(when),
                    updated_at: Set(when),
                    ..Default::default()
                }
                .insert(txn)
                .await?;
            }
            let mut order: orders::ActiveModel = order.into();
            order.total_amount = Set(total);
            order.update(txn).await?;
        }
    }
    Ok(count)
}
