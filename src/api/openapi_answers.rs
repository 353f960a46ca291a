//! The answer schemas of `/api/openapi.json`, derived from each handler's own return type: the table names
//! the handler (`answer(flows::get)`), the compiler reads what its future resolves to (`Json<T>`,
//! `(StatusCode, Json<T>)`, a bare status, each maybe in an `ApiResult`), and `schemars` gives `T`'s schema.
//! A handler whose answer type changes changes the document with it; the fuzzer checks every answer it
//! gets against these schemas.

use super::error::ApiError;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use std::future::Future;

/// What a handler answers: a JSON body of some type, or none (a bare status, or a response built by hand).
pub trait Answer {
    fn schema(g: &mut SchemaGenerator) -> Option<Schema>;
}

impl<T: JsonSchema> Answer for Json<T> {
    fn schema(g: &mut SchemaGenerator) -> Option<Schema> {
        Some(g.subschema_for::<T>())
    }
}

impl<T: JsonSchema> Answer for (StatusCode, Json<T>) {
    fn schema(g: &mut SchemaGenerator) -> Option<Schema> {
        Some(g.subschema_for::<T>())
    }
}

impl Answer for StatusCode {
    fn schema(_: &mut SchemaGenerator) -> Option<Schema> {
        None
    }
}

/// A response chosen at run time (a status or a body): not described.
impl Answer for Response {
    fn schema(_: &mut SchemaGenerator) -> Option<Schema> {
        None
    }
}

impl Answer for ApiError {
    fn schema(_: &mut SchemaGenerator) -> Option<Schema> {
        None
    }
}

impl<T: Answer> Answer for Result<T, ApiError> {
    fn schema(g: &mut SchemaGenerator) -> Option<Schema> {
        T::schema(g)
    }
}

/// An async handler of any number of extractors (`M` tells the arities apart, as axum's own `Handler` does).
pub trait Handler<M> {
    type Out: Answer;
}

macro_rules! handler_arity {
    ($($a:ident),*) => {
        impl<F, Fut, $($a),*> Handler<($($a,)*)> for F
        where
            F: Fn($($a),*) -> Fut,
            Fut: Future,
            Fut::Output: Answer,
        {
            type Out = Fut::Output;
        }
    };
}

handler_arity!();
handler_arity!(A);
handler_arity!(A, B);
handler_arity!(A, B, C);
handler_arity!(A, B, C, D);
handler_arity!(A, B, C, D, E);

/// Writes an answer's schema into the generator's components; `None` for an answer without a JSON body.
pub type AnswerFn = fn(&mut SchemaGenerator) -> Option<Schema>;

fn answer_of<H: Handler<M>, M>(g: &mut SchemaGenerator) -> Option<Schema> {
    <H::Out as Answer>::schema(g)
}

/// The answer schema of `handler`.
pub const fn answer<H: Handler<M> + Copy, M>(_handler: H) -> AnswerFn {
    answer_of::<H, M>
}

impl<T: Answer> Answer for Result<T, super::concurrency_v2::Refused> {
    fn schema(g: &mut SchemaGenerator) -> Option<Schema> {
        T::schema(g)
    }
}
