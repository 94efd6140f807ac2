//! Serde helpers for proto3 int64/uint64 fields.
//!
//! The proto3 JSON mapping renders 64-bit integers as strings (`"generation": "1587627537231057"`),
//! which is what Eventarc sends in production; some Google test data uses plain numbers. These
//! helpers accept both and always serialize the string form.

use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize as _, Serializer};

struct IntVisitor<T>(PhantomData<T>);

impl<T> Visitor<'_> for IntVisitor<T>
where
    T: FromStr + TryFrom<u64> + TryFrom<i64>,
{
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a 64-bit integer as a JSON number or string")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        T::try_from(v).map_err(|_| E::custom("integer out of range"))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        T::try_from(v).map_err(|_| E::custom("integer out of range"))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        v.parse()
            .map_err(|_| E::custom("string is not a 64-bit integer"))
    }
}

fn deserialize_int<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr + TryFrom<u64> + TryFrom<i64>,
{
    d.deserialize_any(IntVisitor(PhantomData))
}

/// Deserialize an `i64` from a number or a decimal string.
///
/// # Errors
/// When the value is neither, or out of range.
pub fn de_i64<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    deserialize_int(d)
}

/// Deserialize an `Option<u64>` from null, a number or a decimal string.
///
/// # Errors
/// When the value is none of these, or out of range.
pub fn de_opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    opt(d)
}

/// Deserialize an `Option<i64>` from null, a number or a decimal string.
///
/// # Errors
/// When the value is none of these, or out of range.
pub fn de_opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    opt(d)
}

fn opt<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr + TryFrom<u64> + TryFrom<i64>,
{
    struct Wrap<T>(T);
    impl<'de, T: FromStr + TryFrom<u64> + TryFrom<i64>> serde::Deserialize<'de> for Wrap<T> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            deserialize_int(d).map(Wrap)
        }
    }
    Ok(Option::<Wrap<T>>::deserialize(d)?.map(|w| w.0))
}

/// Serialize an integer as its decimal string (the proto3 JSON form).
///
/// # Errors
/// Only the serializer's own.
#[allow(clippy::trivially_copy_pass_by_ref)]
pub fn ser<T: fmt::Display, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

/// Serialize an optional integer as its decimal string, or null.
///
/// # Errors
/// Only the serializer's own.
#[allow(clippy::ref_option)]
pub fn ser_opt<T: fmt::Display, S: Serializer>(v: &Option<T>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => s.collect_str(v),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Deserialize, Serialize, PartialEq)]
    struct T {
        #[serde(deserialize_with = "super::de_i64", serialize_with = "super::ser")]
        a: i64,
        #[serde(
            default,
            deserialize_with = "super::de_opt_u64",
            serialize_with = "super::ser_opt"
        )]
        b: Option<u64>,
    }

    #[test]
    fn string_or_number() {
        let s: T = serde_json::from_str(r#"{"a":"-5","b":"18446744073709551615"}"#).unwrap();
        let n: T = serde_json::from_str(r#"{"a":-5,"b":18446744073709551615}"#).unwrap();
        assert_eq!(s, n);
        assert_eq!(s.b, Some(u64::MAX));
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            r#"{"a":"-5","b":"18446744073709551615"}"#
        );
        let none: T = serde_json::from_str(r#"{"a":1,"b":null}"#).unwrap();
        assert_eq!(none.b, None);
        let missing: T = serde_json::from_str(r#"{"a":1}"#).unwrap();
        assert_eq!(missing.b, None);
    }

    #[test]
    fn rejects_non_integers() {
        for bad in [
            r#"{"a":"x"}"#,
            r#"{"a":1.5}"#,
            r#"{"a":true}"#,
            r#"{"a":1,"b":-1}"#,
        ] {
            assert!(serde_json::from_str::<T>(bad).is_err(), "{bad}");
        }
    }
}
