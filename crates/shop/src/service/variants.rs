//! Variants of a product, each with its attributes. A variant lives under its product: asked for
//! through another product it is not found. A variant and its attributes are written together,
//! in one transaction.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use super::write;
use super::{key, products as product_service};
use crate::entity::{product_variants, variant_attributes};
use crate::error::{ApiError, is_foreign_key_violation, unique_violation_column};
use crate::events::{self, EventType, Outbox};
use crate::schema::common::Pagination;
use crate::schema::variant::{VariantAttribute, VariantCreate, VariantPublic, VariantUpdate};

const WHAT: &str = "Variant";

fn clash(err: DbErr) -> ApiError {
    if unique_violation_column(&err, "product_variants", &["sku"]).is_some() {
        return ApiError::Conflict("A variant with this sku already exists".to_owned());
    }
    if is_foreign_key_violation(&err) {
        // The product was deleted meanwhile.
        return ApiError::not_found("Product");
    }
    err.into()
}

/// The attributes of each variant, in the order written: one statement.
///
/// # Errors
/// Database errors.
pub async fn attributes_of(
    db: &impl ConnectionTrait,
    variant_ids: &[i32],
) -> Result<HashMap<i32, Vec<VariantAttribute>>, ApiError> {
    let mut out: HashMap<i32, Vec<VariantAttribute>> = HashMap::new();
    if variant_ids.is_empty() {
        return Ok(out);
    }
    let rows = variant_attributes::Entity::find()
        .filter(variant_attributes::Column::VariantId.is_in(variant_ids.iter().copied()))
        .order_by_asc(variant_attributes::Column::Id)
        .all(db)
        .await?;
    for row in rows {
        out.entry(row.variant_id).or_default().push(row.into());
    }
    Ok(out)
}

/// Variants with their attributes (one statement for all of them).
///
/// # Errors
/// Database errors.
pub async fn with_attributes(
    db: &impl ConnectionTrait,
    variants: Vec<product_variants::Model>,
) -> Result<Vec<VariantPublic>, ApiError> {
    let ids: Vec<i32> = variants.iter().map(|v| v.id).collect();
    let mut attributes = attributes_of(db, &ids).await?;
    Ok(variants
        .into_iter()
        .map(|v| {
            let own = attributes.remove(&v.id).unwrap_or_default();
            VariantPublic::new(v, own)
        })
        .collect())
}

/// The variants of each product, by id, with their attributes: two statements.
///
/// # Errors
/// Database errors.
pub async fn of_products(
    db: &impl ConnectionTrait,
    product_ids: &[i32],
) -> Result<HashMap<i32, Vec<VariantPublic>>, ApiError> {
    let variants = product_variants::Entity::find()
        .filter(product_variants::Column::ProductId.is_in(product_ids.iter().copied()))
        .order_by_asc(product_variants::Column::Id)
        .all(db)
        .await?;
    let mut out: HashMap<i32, Vec<VariantPublic>> = HashMap::new();
    for variant in with_attributes(db, variants).await? {
        out.entry(variant.product_id).or_default().push(variant);
    }
    Ok(out)
}

/// A page of a product's variants by id, and their total.
///
/// # Errors
/// 404 when the product is missing.
pub async fn list(
    db: &DatabaseConnection,
    product_id: i64,
    page: Pagination,
) -> Result<(Vec<VariantPublic>, u64), ApiError> {
    let product = product_service::get(db, product_id).await?;
    let of_product = product_variants::Entity::find().filter(product_variants::Column::ProductId.eq(product.id));
    let listed = super::listing::page(db, of_product.order_by_asc(product_variants::Column::Id), page, None).await?;
    Ok((with_attributes(db, listed.items).await?, listed.total.value))
}

/// The variant `variant_id` of product `product_id`.
async fn find(
    db: &impl ConnectionTrait,
    product_id: i64,
    variant_id: i64,
) -> Result<product_variants::Model, ApiError> {
    let product = key(product_id, "Product")?;
    let found = match key(variant_id, WHAT) {
        Ok(id) => super::by_id::<product_variants::Entity>(db, id).await?.filter(|v| v.product_id == product),
        Err(_) => None,
    };
    if let Some(variant) = found {
        return Ok(variant);
    }
    // Say which one is missing.
    product_service::get(db, product_id).await?;
    Err(ApiError::not_found(WHAT))
}

/// # Errors
/// 404 when the product or the variant (of that product) is missing.
pub async fn get(db: &impl ConnectionTrait, product_id: i64, variant_id: i64) -> Result<VariantPublic, ApiError> {
    let variant = find(db, product_id, variant_id).await?;
    let mut attributes = attributes_of(db, &[variant.id]).await?;
    let own = attributes.remove(&variant.id).unwrap_or_default();
    Ok(VariantPublic::new(variant, own))
}

async fn write_attributes(
    db: &impl ConnectionTrait,
    variant_id: i32,
    attributes: &[VariantAttribute],
) -> Result<(), ApiError> {
    if attributes.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    let rows = attributes.iter().map(|a| variant_attributes::ActiveModel {
        variant_id: Set(variant_id),
        attribute_name: Set(a.name.clone()),
        attribute_value: Set(a.value.clone()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    });
    variant_attributes::Entity::insert_many(rows).exec_without_returning(db).await?;
    Ok(())
}

/// Creates a variant and its attributes in one transaction.
///
/// # Errors
/// 404 when the product is missing, 409 on a duplicate SKU.
pub async fn create(db: &DatabaseConnection, product_id: i64, input: VariantCreate) -> Result<VariantPublic, ApiError> {
    let product = product_service::get(db, product_id).await?;
    let txn = write::begin(db, None).await?;
    let result = async {
        let now = Utc::now();
        let model = product_variants::ActiveModel {
            product_id: Set(product.id),
            sku: Set(input.sku),
            name: Set(input.name),
            price_modifier: Set(input.price_modifier.0),
            stock_quantity: Set(input.stock_quantity),
            is_active: Set(input.is_active),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        };
        let variant = model.insert(&*txn).await.map_err(clash)?;
        write_attributes(&*txn, variant.id, &input.attributes).await?;
        Ok(VariantPublic::new(variant, input.attributes))
    }
    .await;
    txn.finish(result).await
}

/// Updates the fields sent; `attributes`, when sent, replace the old ones. One transaction.
///
/// # Errors
/// 404 when the product or variant is missing, 409 on a duplicate SKU.
pub async fn update(
    db: &DatabaseConnection,
    outbox: &Outbox,
    product_id: i64,
    variant_id: i64,
    patch: VariantUpdate,
) -> Result<VariantPublic, ApiError> {
    let txn = write::begin(db, None).await?;
    let result = async {
        // Read under the row lock: the event depends on the stock before this edit. A miss
        // (or another product's variant) goes through `find`, which says which one is missing.
        let product = key(product_id, "Product")?;
        let locked = match key(variant_id, WHAT) {
            Ok(id) => product_variants::Entity::find_by_id(id).lock_exclusive().one(&*txn).await?,
            Err(_) => None,
        };
        let current = match locked.filter(|v| v.product_id == product) {
            Some(variant) => variant,
            None => find(&*txn, product_id, variant_id).await?,
        };
        let old_stock = current.stock_quantity;
        let mut model: product_variants::ActiveModel = current.into();
        if let Some(sku) = patch.sku {
            model.sku = Set(sku);
        }
        if let Some(name) = patch.name {
            model.name = Set(name);
        }
        if let Some(price_modifier) = patch.price_modifier {
            model.price_modifier = Set(price_modifier.0);
        }
        if let Some(stock_quantity) = patch.stock_quantity {
            model.stock_quantity = Set(stock_quantity);
        }
        if let Some(is_active) = patch.is_active {
            model.is_active = Set(is_active);
        }
        model.updated_at = Set(Utc::now());
        // The row update comes first: its lock orders concurrent replacements of the attributes.
        let variant = model.update(&*txn).await.map_err(clash)?;
        let threshold = outbox.low_stock_threshold;
        if events::fell_below(old_stock, variant.stock_quantity, threshold) {
            let data = events::low_stock(
                variant.product_id,
                Some(variant.id),
                &variant.name,
                Some(&variant.sku),
                variant.stock_quantity,
                threshold,
            );
            events::emit(&*txn, outbox, EventType::ProductLowStock, data, None).await?;
        }
        let Some(attributes) = patch.attributes else {
            return with_attributes(&*txn, vec![variant]).await?.pop().ok_or_else(|| ApiError::not_found(WHAT));
        };
        variant_attributes::Entity::delete_many()
            .filter(variant_attributes::Column::VariantId.eq(variant.id))
            .exec(&*txn)
            .await?;
        write_attributes(&*txn, variant.id, &attributes).await?;
        Ok(VariantPublic::new(variant, attributes))
    }
    .await;
    let updated = txn.finish(result).await?;
    events::wake();
    Ok(updated)
}

/// Deletes a variant and (by cascade) its attributes; order lines keep their history with the
/// variant cleared.
///
/// # Errors
/// 404 when the product or variant is missing.
pub async fn delete(db: &impl ConnectionTrait, product_id: i64, variant_id: i64) -> Result<(), ApiError> {
    let variant = find(db, product_id, variant_id).await?;
    product_variants::Entity::delete_by_id(variant.id).exec(db).await?;
    Ok(())
}
