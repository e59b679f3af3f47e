//! A record's fields, listed once and printed two ways: as a JSON object (the exported trace,
//! `docs/trace-format.md`) or as `key=value` words (the page's event log). Each value is written by
//! serde_json, so a string reads the same in both (quoted and escaped as JSON).
//!
//! The fields go straight to the serializer: no `serde_json::Value` tree is built per record (that
//! tree, its map and its serializer would be in the page's download).

use serde::ser::SerializeMap;
use serde::Serialize;

/// Where fields go, in the order they are given.
pub trait FieldSink {
    fn field<V: Serialize + ?Sized>(&mut self, key: &'static str, value: &V);
}

/// Fields as entries of a JSON object being serialized; the first error is kept.
pub struct MapFields<M: SerializeMap> {
    map: M,
    error: Option<M::Error>,
}

impl<M: SerializeMap> MapFields<M> {
    pub fn new(map: M) -> Self {
        MapFields { map, error: None }
    }

    /// Ends the object, or gives the first error met.
    pub fn end(self) -> Result<M::Ok, M::Error> {
        match self.error {
            Some(error) => Err(error),
            None => self.map.end(),
        }
    }
}

impl<M: SerializeMap> FieldSink for MapFields<M> {
    fn field<V: Serialize + ?Sized>(&mut self, key: &'static str, value: &V) {
        if self.error.is_none() {
            if let Err(error) = self.map.serialize_entry(key, value) {
                self.error = Some(error);
            }
        }
    }
}

/// Fields as ` key=value` words, each value as JSON (`role="leader" term=3`).
#[derive(Default)]
pub struct Words(pub String);

impl FieldSink for Words {
    fn field<V: Serialize + ?Sized>(&mut self, key: &'static str, value: &V) {
        self.0.push(' ');
        self.0.push_str(key);
        self.0.push('=');
        // Writing plain values (numbers, strings, arrays of numbers) into a string cannot fail.
        if let Ok(json) = serde_json::to_string(value) {
            self.0.push_str(&json);
        }
    }
}
