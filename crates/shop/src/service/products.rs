//! Products: a category and supplier that must exist (422), unique SKUs (409), no deletion once
//! ordered (409), tags replaced as a whole set, and relations embedded with one statement per
//! relation however many products there are.

use std::collections::{BTreeSet, HashMap};

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait,
    IsolationLevel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use super::write;
use super::{key, variants};
use crate::entity::{categories, order_items, product_tags, products, suppliers, tags};
use crate::error::{ApiError, FieldError, is_foreign_key_violation, unique_violation_column};
use crate::events::{self, EventType, Outbox};
use crate::schema::category::CategoryPublic;
use crate::schema::common::{Pagination, Total};
use crate::schema::product::{
    ProductCreate, ProductInclude, ProductPublic, ProductSupplier, ProductTag, ProductUpdate,
};
use crate::search::cursor::CursorCodec;
use crate::search::query::ProductSearch;
use crate::search::sql;
use crate::service::rollup;

const WHAT: &str = "Product";

fn clash(err: DbErr) -> ApiError {
    if unique_violation_column(&err, "products", &["sku"]).is_some() {
        return ApiError::Conflict("A product with this sku already exists".to_owned());
    }
    err.into()
}

/// One page of the products `search` selects, the number it selects, and the cursor of the
/// next page (`None` on the last one). Cursors are signed with `secret`.
///
/// A page without a cursor is read with its count in one statement (a subquery, evaluated
/// once), which saves a second statement and, on SQLite, a second trip through the
/// connection's worker thread: the busiest list request is one statement. A cursor carries the
/// number its first page counted, so later pages are not counted again. The count stops after
/// [`Total::TRACKED`] rows unless the search asks for the exact number: on a large catalog
/// that count is most of the work.
///
/// # Errors
/// 422 for a bad cursor; database errors.
pub async fn search(
    db: &DatabaseConnection,
    search: &ProductSearch,
    page: Pagination,
    secret: &[u8],
) -> Result<(Vec<products::Model>, Total, Option<String>), ApiError> {
    // Only a cursor read or written needs the fingerprint; a first page that fits has none.
    let mut fingerprint: Option<String> = None;
    let position = match &search.cursor {
        Some(_) => {
            let fingerprint = fingerprint.get_or_insert_with(|| search.fingerprint());
            search.cursor_position(&CursorCodec { secret, fingerprint })?
        }
        None => None,
    };
    let backend = db.get_database_backend();
    let trigram = match search.q() {
        Some(q) if backend == sea_orm::DbBackend::Sqlite && sql::trigram_indexable(q) => {
            sql::trigram_selective(db, q).await?
        }
        _ => false,
    };
    let condition = search.condition(backend, trigram);
    let count_limit = Total::count_limit(search.track_total);
    let mut query = search.order(products::Entity::find().filter(condition.clone()));
    let carried = match &position {
        Some(position) => {
            query = query.filter(search.after(backend, &position.values));
            // A bound is not enough for a client that now asks for the exact number.
            position.total.filter(|total| total.is_exact() || !search.track_total)
        }
        None => {
            query = query.offset(page.skip);
            None
        }
    };
    // On PostgreSQL a count that depends on text is planned for its values, on its own: planned
    // for its values together with the page, a selective `q` (a product number) made the
    // planner walk the id order for the page's 21 rows, 68 ms at the median on a million
    // products, against 21 ms for the prepared page and a separate count.
    let count_apart = backend == sea_orm::DbBackend::Postgres && search.plans_per_value();
    let counted_along = (carried.is_none() && !count_apart).then(|| count_statement(condition.clone(), count_limit));
    // One row more than asked says whether there is a next page.
    let read = super::product_read::Page { rows: query.limit(page.limit + 1), count: counted_along };
    let (mut items, counted) = super::product_read::page(db, read).await?;
    let more = items.len() as u64 > page.limit;
    items.truncate(usize::try_from(page.limit).unwrap_or(usize::MAX));
    let total = match (carried, counted) {
        (Some(total), _) => total,
        // The last page of an offset listing: every match is before it or on it, however many
        // (the count stops at its bound). An empty page past the end says nothing.
        _ if position.is_none() && !more && (page.skip == 0 || !items.is_empty()) => {
            Total::exact(page.skip + items.len() as u64)
        }
        (None, Some(counted)) => Total::counted(counted, search.track_total),
        // No row to carry the count: a page past the end, or a cursor page asked for the
        // exact number its first page did not count.
        (None, None) => {
            let counted = count(db, condition, count_limit, search.plans_per_value()).await?;
            Total::counted(counted, search.track_total)
        }
    };
    let next = if more {
        let fingerprint = fingerprint.get_or_insert_with(|| search.fingerprint());
        let codec = CursorCodec { secret, fingerprint };
        items.last().map(|row| search.cursor_after(&codec, row, total))
    } else {
        None
    };
    Ok((items, total, next))
}

/// `SELECT COUNT(*) FROM (SELECT 1 ... WHERE ... LIMIT n)`, or every match without `limit`.
fn count_statement(
    condition: sea_orm::sea_query::Condition,
    limit: Option<u64>,
) -> sea_orm::sea_query::SelectStatement {
    use sea_orm::sea_query::{Expr, Query};
    let mut matches = Query::select().from(products::Entity).expr(Expr::val(1)).to_owned();
    // No WHERE at all without filters (an empty condition still prints one), so that SQLite
    // counts the pages of its smallest index instead of stepping through every row.
    if !condition.is_empty() {
        matches.cond_where(condition);
    }
    match limit {
        Some(_) => super::listing::count_statement(matches, limit),
        // The plain form, which SQLite answers from its smallest index without filters.
        None => {
            matches.clear_selects();
            matches.expr(Expr::cust("COUNT(*)")).to_owned()
        }
    }
}

/// The number of products that meet `condition`, stopping after `limit` rows when given.
async fn count(
    db: &DatabaseConnection,
    condition: sea_orm::sea_query::Condition,
    limit: Option<u64>,
    plan_each: bool,
) -> Result<u64, ApiError> {
    let n = super::listing::scalar(db, count_statement(condition, limit), plan_each).await?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// # Errors
/// 404 when missing.
pub async fn get(db: &impl ConnectionTrait, id: i64) -> Result<products::Model, ApiError> {
    super::by_id::<products::Entity>(db, key(id, WHAT)?).await?.ok_or_else(|| ApiError::not_found(WHAT))
}

/// A positive 32-bit id, or `None` for values no row can have.
fn row_id(raw: i64) -> Option<i32> {
    i32::try_from(raw).ok().filter(|id| *id > 0)
}

/// Checks that the category and supplier about to be referenced exist: one 422 entry per
/// missing one. Returns their ids.
async fn check_refs(
    db: &impl ConnectionTrait,
    category_id: Option<i64>,
    supplier_id: Option<i64>,
) -> Result<(Option<i32>, Option<i32>), ApiError> {
    let mut errors = Vec::new();
    let mut category = None;
    if let Some(raw) = category_id {
        category = match row_id(raw) {
            Some(id) => super::by_id::<categories::Entity>(db, id).await?.map(|c| c.id),
            None => None,
        };
        if category.is_none() {
            errors.push(FieldError::body(&["category_id"], format!("Category {raw} does not exist"), "value_error"));
        }
    }
    let mut supplier = None;
    if let Some(raw) = supplier_id {
        supplier = match row_id(raw) {
            Some(id) => super::by_id::<suppliers::Entity>(db, id).await?.map(|s| s.id),
            None => None,
        };
        if supplier.is_none() {
            errors.push(FieldError::body(&["supplier_id"], format!("Supplier {raw} does not exist"), "value_error"));
        }
    }
    if errors.is_empty() { Ok((category, supplier)) } else { Err(ApiError::validation(errors)) }
}

/// A failed insert or update: a foreign-key violation means a category or supplier went away
/// after [`check_refs`], so it is checked again to say which (422).
async fn write_failed(
    db: &impl ConnectionTrait,
    err: DbErr,
    category_id: Option<i64>,
    supplier_id: Option<i64>,
) -> ApiError {
    if !is_foreign_key_violation(&err) {
        return clash(err);
    }
    match check_refs(db, category_id, supplier_id).await {
        Err(answer) => answer,
        Ok(_) => ApiError::one(FieldError::body(
            &["category_id"],
            "The category or supplier no longer exists",
            "value_error",
        )),
    }
}

/// # Errors
/// 422 for an unknown category or supplier, 409 on a duplicate SKU.
pub async fn create(db: &impl ConnectionTrait, input: ProductCreate) -> Result<products::Model, ApiError> {
    let (category_id, supplier_id) = check_refs(db, Some(input.category_id), input.supplier_id).await?;
    let now = Utc::now();
    let model = products::ActiveModel {
        name: Set(input.name),
        description: Set(input.description),
        sku: Set(input.sku),
        price: Set(input.price.0),
        stock_quantity: Set(input.stock_quantity),
        is_active: Set(input.is_active),
        // `check_refs` found the category, as one was asked for.
        category_id: Set(category_id.unwrap_or_default()),
        supplier_id: Set(supplier_id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    match model.insert(db).await {
        Ok(created) => Ok(created),
        Err(err) => Err(write_failed(db, err, Some(input.category_id), input.supplier_id).await),
    }
}

/// # Errors
/// 404 when missing, 422 for an unknown category or supplier, 409 on a duplicate SKU.
pub async fn update(
    db: &DatabaseConnection,
    outbox: &Outbox,
    id: i64,
    patch: ProductUpdate,
) -> Result<products::Model, ApiError> {
    if patch.supplier_id.is_none() && patch.category_id.is_none() && patch.stock_quantity.is_none() {
        return update_on(db, db, outbox, id, patch, false).await;
    }
    // A move to another supplier or category recounts both sides' sales rollups in the same
    // transaction, with the product row locked, so concurrent moves cannot count it twice; a
    // stock change writes its `product.low_stock` event in it. READ COMMITTED (PostgreSQL's
    // default) lets MySQL's recount read what committed while it waited for its locks,
    // instead of the snapshot of its first read.
    let txn = write::begin(db, Some(IsolationLevel::ReadCommitted)).await?;
    let result = update_on(&*txn, db, outbox, id, patch, true).await;
    let updated = txn.finish(result).await?;
    events::wake();
    Ok(updated)
}

async fn update_on(
    conn: &impl ConnectionTrait,
    db: &DatabaseConnection,
    outbox: &Outbox,
    id: i64,
    patch: ProductUpdate,
    lock: bool,
) -> Result<products::Model, ApiError> {
    let current = if lock {
        products::Entity::find_by_id(key(id, WHAT)?)
            .lock_exclusive()
            .one(conn)
            .await?
            .ok_or_else(|| ApiError::not_found(WHAT))?
    } else {
        get(conn, id).await?
    };
    let (old_supplier, old_category, old_stock) = (current.supplier_id, current.category_id, current.stock_quantity);
    let new_supplier = patch.supplier_id.flatten();
    let (category_id, supplier_id) = check_refs(conn, patch.category_id, new_supplier).await?;
    let mut model: products::ActiveModel = current.into();
    if let Some(name) = patch.name {
        model.name = Set(name);
    }
    if let Some(description) = patch.description {
        model.description = Set(description);
    }
    if let Some(sku) = patch.sku {
        model.sku = Set(sku);
    }
    if let Some(price) = patch.price {
        model.price = Set(price.0);
    }
    if let Some(stock_quantity) = patch.stock_quantity {
        model.stock_quantity = Set(stock_quantity);
    }
    if let Some(is_active) = patch.is_active {
        model.is_active = Set(is_active);
    }
    if let Some(category_id) = category_id {
        model.category_id = Set(category_id);
    }
    if patch.supplier_id.is_some() {
        model.supplier_id = Set(supplier_id);
    }
    model.updated_at = Set(Utc::now());
    // Both sides of a move are locked before the row changes: the update's own foreign-key
    // check would otherwise share-lock the new supplier first, and two moves upgrading that
    // lock wait on each other.
    let new_supplier_id = if patch.supplier_id.is_some() { supplier_id } else { old_supplier };
    let new_category_id = category_id.unwrap_or(old_category);
    let moved_suppliers: Vec<i32> = if new_supplier_id == old_supplier {
        Vec::new()
    } else {
        old_supplier.into_iter().chain(new_supplier_id).collect()
    };
    let moved_categories: Vec<i32> =
        if new_category_id == old_category { Vec::new() } else { vec![old_category, new_category_id] };
    rollup::lock_for_move(conn, &moved_suppliers, &moved_categories).await?;
    match model.update(conn).await {
        Ok(updated) => {
            rollup::recount_suppliers(conn, &moved_suppliers).await?;
            rollup::recount_categories(conn, &moved_categories).await?;
            let threshold = outbox.low_stock_threshold;
            if events::fell_below(old_stock, updated.stock_quantity, threshold) {
                let data = events::low_stock(
                    updated.id,
                    None,
                    &updated.name,
                    updated.sku.as_deref(),
                    updated.stock_quantity,
                    threshold,
                );
                events::emit(conn, outbox, EventType::ProductLowStock, data, None).await?;
            }
            Ok(updated)
        }
        // Checked again outside the (possibly aborted) transaction.
        Err(err) => Err(write_failed(db, err, patch.category_id, new_supplier).await),
    }
}

/// Deletes a product; its variants and tag links go with it (foreign-key cascades).
///
/// # Errors
/// 404 when missing, 409 once it appears in an order.
pub async fn delete(db: &impl ConnectionTrait, id: i64) -> Result<(), ApiError> {
    let product = get(db, id).await?;
    let ordered = order_items::Entity::find().filter(order_items::Column::ProductId.eq(product.id)).count(db).await?;
    if ordered > 0 {
        return Err(ApiError::Conflict(format!(
            "Product is in {ordered} order item(s) and cannot be deleted; deactivate it instead"
        )));
    }
    // An order placed after the count still trips the foreign key: same answer.
    products::Entity::delete_by_id(product.id).exec(db).await.map_err(|err| {
        if is_foreign_key_violation(&err) {
            ApiError::Conflict("Product is in orders and cannot be deleted; deactivate it instead".to_owned())
        } else {
            err.into()
        }
    })?;
    Ok(())
}

/// Replaces a product's tags with `tag_ids` in one transaction and returns the product with
/// its new tags.
///
/// # Errors
/// 404 when the product is missing, 422 naming each unknown tag id (nothing changes).
pub async fn set_tags(db: &DatabaseConnection, id: i64, tag_ids: &[i64]) -> Result<ProductPublic, ApiError> {
    let txn = write::begin(db, None).await?;
    let result = replace_tags(&txn, id, tag_ids).await;
    let (product, tags) = txn.finish(result).await?;
    let mut body = ProductPublic::from(product);
    body.tags = Some(tags.into_iter().map(ProductTag::from).collect());
    Ok(body)
}

async fn replace_tags(
    txn: &DatabaseTransaction,
    id: i64,
    tag_ids: &[i64],
) -> Result<(products::Model, Vec<tags::Model>), ApiError> {
    // Locking the product serializes concurrent replacements of its tags.
    let product = products::Entity::find_by_id(key(id, WHAT)?)
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or_else(|| ApiError::not_found(WHAT))?;
    let wanted: BTreeSet<i32> = tag_ids.iter().filter_map(|raw| row_id(*raw)).collect();
    let found = if wanted.is_empty() {
        Vec::new()
    } else {
        // Shared locks keep the tags from being deleted before the commit.
        let query = tags::Entity::find().filter(tags::Column::Id.is_in(wanted.iter().copied()));
        query.order_by_asc(tags::Column::Id).lock_shared().all(txn).await?
    };
    let errors: Vec<FieldError> = tag_ids
        .iter()
        .enumerate()
        .filter(|(_, raw)| !found.iter().any(|tag| i64::from(tag.id) == **raw))
        .map(|(index, raw)| {
            let loc = vec!["body".into(), "tag_ids".into(), index.into()];
            FieldError::new(loc, format!("Tag {raw} does not exist"), "value_error")
        })
        .collect();
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    product_tags::Entity::delete_many().filter(product_tags::Column::ProductId.eq(product.id)).exec(txn).await?;
    if !found.is_empty() {
        let links =
            found.iter().map(|tag| product_tags::ActiveModel { product_id: Set(product.id), tag_id: Set(tag.id) });
        product_tags::Entity::insert_many(links).exec_without_returning(txn).await?;
    }
    Ok((product, found))
}

/// One product with the relations of `include` embedded.
///
/// # Errors
/// Database errors.
pub async fn embed_one(
    db: &impl ConnectionTrait,
    product: products::Model,
    include: ProductInclude,
) -> Result<ProductPublic, ApiError> {
    // The plain read, the busiest request, neither allocates for nor carries the embedding's
    // (large) future inline.
    if include == ProductInclude::default() {
        return Ok(product.into());
    }
    let mut out = Box::pin(embed(db, vec![product], include)).await?;
    out.pop().ok_or_else(|| ApiError::Internal("embedding lost the product".to_owned()))
}

/// Products with the relations of `include` embedded: one statement per relation (two for
/// variants and their attributes), batched over all the products, never one per product.
///
/// # Errors
/// Database errors.
pub async fn embed(
    db: &impl ConnectionTrait,
    items: Vec<products::Model>,
    include: ProductInclude,
) -> Result<Vec<ProductPublic>, ApiError> {
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i32> = items.iter().map(|p| p.id).collect();
    let categories = if include.category {
        let wanted: BTreeSet<i32> = items.iter().map(|p| p.category_id).collect();
        let found = categories::Entity::find().filter(categories::Column::Id.is_in(wanted)).all(db).await?;
        found.into_iter().map(|c| (c.id, c)).collect()
    } else {
        HashMap::new()
    };
    let suppliers = if include.supplier { suppliers_of(db, &items).await? } else { HashMap::new() };
    let mut tags = if include.tags { tags_of(db, &ids).await? } else { HashMap::new() };
    let mut variants = if include.variants { variants::of_products(db, &ids).await? } else { HashMap::new() };
    Ok(items
        .into_iter()
        .map(|product| {
            let (id, category_id, supplier_id) = (product.id, product.category_id, product.supplier_id);
            let mut out = ProductPublic::from(product);
            if include.category {
                out.category = categories.get(&category_id).cloned().map(CategoryPublic::from);
            }
            if include.supplier {
                out.supplier = Some(supplier_id.and_then(|s| suppliers.get(&s)).cloned().map(ProductSupplier::from));
            }
            if include.tags {
                out.tags = Some(tags.remove(&id).unwrap_or_default());
            }
            if include.variants {
                out.variants = Some(variants.remove(&id).unwrap_or_default());
            }
            out
        })
        .collect())
}

async fn suppliers_of(
    db: &impl ConnectionTrait,
    items: &[products::Model],
) -> Result<HashMap<i32, suppliers::Model>, ApiError> {
    let wanted: BTreeSet<i32> = items.iter().filter_map(|p| p.supplier_id).collect();
    if wanted.is_empty() {
        return Ok(HashMap::new());
    }
    let found = suppliers::Entity::find().filter(suppliers::Column::Id.is_in(wanted)).all(db).await?;
    Ok(found.into_iter().map(|s| (s.id, s)).collect())
}

/// The tags of each product, by tag id: one statement (a join through `product_tags`).
async fn tags_of(db: &impl ConnectionTrait, ids: &[i32]) -> Result<HashMap<i32, Vec<ProductTag>>, ApiError> {
    let rows = product_tags::Entity::find()
        .filter(product_tags::Column::ProductId.is_in(ids.iter().copied()))
        .find_also_related(tags::Entity)
        .order_by_asc(tags::Column::Id)
        .all(db)
        .await?;
    let mut out: HashMap<i32, Vec<ProductTag>> = HashMap::new();
    for (link, tag) in rows {
        if let Some(tag) = tag {
            out.entry(link.product_id).or_default().push(tag.into());
        }
    }
    Ok(out)
}
