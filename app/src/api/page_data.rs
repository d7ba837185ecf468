//! How a page loads its data: a Leptos resource over a server function, whose value the
//! server-rendered page carries to the hydrating browser as JSON.
//!
//! Leptos' default codec reads that JSON with `serde_json::from_str`, while a server function's
//! answer is read with `from_slice`: serde_json's two readers are different types, so every type
//! a page shows had its deserializer compiled into the WebAssembly twice. `JsonBytes` reads the
//! page's JSON as bytes too, so the browser has one reader for both. Every page's data is
//! loaded through `page_data` (`wasm_size_rules` checks): a plain `Resource::new` would bring
//! the second copy back.

use std::future::Future;

use leptos::prelude::*;
use leptos::server::codee::{Decoder, Encoder};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// JSON, written as Leptos' default writes it and read as bytes.
pub struct JsonBytes;

impl<T: Serialize> Encoder<T> for JsonBytes {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &T) -> Result<String, serde_json::Error> {
        serde_json::to_string(value)
    }
}

impl<T: DeserializeOwned> Decoder<T> for JsonBytes {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(json: &str) -> Result<T, serde_json::Error> {
        serde_json::from_slice(json.as_bytes())
    }
}

/// A page's data: loaded on the server and carried in the page, loaded again when `source`
/// changes.
pub type PageData<T> = Resource<T, JsonBytes>;

/// `fetcher(source())`, again whenever `source` changes (`Resource::new`, with `JsonBytes`).
#[track_caller]
pub fn page_data<S, T, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> PageData<T>
where
    S: PartialEq + Clone + Send + Sync + 'static,
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_the_server_writes_the_browser_reads_back() {
        let value: Result<Vec<(String, Option<i64>)>, String> =
            Ok(vec![("a \"quoted\" é".into(), None)]);
        let json = <JsonBytes as Encoder<_>>::encode(&value).unwrap();
        let read: Result<Vec<(String, Option<i64>)>, String> = JsonBytes::decode(&json).unwrap();
        assert_eq!(read, value);
        assert!(<JsonBytes as Decoder<Option<i64>>>::decode("{").is_err());
    }
}
