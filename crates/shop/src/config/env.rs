//! Reading variables: trimmed or raw, secret, and typed (whole numbers, ports, booleans,
//! lists, host names and origins), each refusing a bad value with one line naming it.

use std::net::IpAddr;
use std::str::FromStr;

use super::{ConfigError, Secret};

/// The variables, looked up one by one (the process environment with `.env`, or a map).
pub(super) struct Env<'a> {
    pub(super) lookup: &'a dyn Fn(&'static str) -> Result<Option<String>, ConfigError>,
}

impl Env<'_> {
    /// Trimmed value; blank counts as unset because `.env` templates and
    /// container specs routinely carry `NAME=` placeholders.
    pub(super) fn get(&self, var: &'static str) -> Result<Option<String>, ConfigError> {
        Ok((self.lookup)(var)?.map(|value| value.trim().to_owned()).filter(|value| !value.is_empty()))
    }

    /// Like `get`, but not trimmed: surrounding whitespace may be part of a
    /// password.
    pub(super) fn get_raw(&self, var: &'static str) -> Result<Option<String>, ConfigError> {
        Ok((self.lookup)(var)?.filter(|value| !value.trim().is_empty()))
    }

    pub(super) fn get_secret(&self, var: &'static str) -> Result<Option<Secret>, ConfigError> {
        Ok(self.get_raw(var)?.map(Secret::new))
    }

    /// A whole number of at least 1, or `default` when unset.
    pub(super) fn positive(&self, var: &'static str, default: u32) -> Result<u32, ConfigError> {
        match self.get(var)? {
            Some(raw) => match raw.parse::<u32>() {
                Ok(n) if n > 0 => Ok(n),
                _ => Err(ConfigError::invalid(var, &raw, "is not a whole number of at least 1")),
            },
            None => Ok(default),
        }
    }

    /// A whole number, zero included, or `default` when unset.
    pub(super) fn whole(&self, var: &'static str, default: u32) -> Result<u32, ConfigError> {
        match self.get(var)? {
            Some(raw) => raw.parse::<u32>().map_err(|_| ConfigError::invalid(var, &raw, "is not a whole number")),
            None => Ok(default),
        }
    }

    /// A boolean, or `default` when unset.
    pub(super) fn flag(&self, var: &'static str, default: bool) -> Result<bool, ConfigError> {
        self.get(var)?.map_or(Ok(default), |raw| parse_bool(var, &raw))
    }

    /// A port, or `default` when unset.
    pub(super) fn port(&self, var: &'static str, default: u16) -> Result<u16, ConfigError> {
        self.get(var)?.map_or(Ok(default), |raw| parse_port(var, &raw))
    }

    /// A comma list, blank items dropped.
    pub(super) fn list(&self, var: &'static str, default: &str) -> Result<Vec<String>, ConfigError> {
        Ok(split_list(self.get(var)?.as_deref().unwrap_or(default)))
    }
}

/// `*`, or an origin as browsers send it: `http(s)://host[:port]`, nothing after.
pub(super) fn is_origin(raw: &str) -> bool {
    if raw == "*" {
        return true;
    }
    url::Url::parse(raw).is_ok_and(|url| {
        matches!(url.scheme(), "http" | "https")
            && url.host().is_some()
            && url.path() == "/"
            && !raw.ends_with('/')
            && url.query().is_none()
            && url.username().is_empty()
    })
}

pub(super) fn split_list(raw: &str) -> Vec<String> {
    raw.split(',').map(str::trim).filter(|item| !item.is_empty()).map(str::to_owned).collect()
}

pub(super) fn parse_port(var: &'static str, raw: &str) -> Result<u16, ConfigError> {
    raw.parse::<u16>().map_err(|_| ConfigError::invalid(var, raw, "is not a valid port number (0-65535)"))
}

pub(super) fn parse_bool(var: &'static str, raw: &str) -> Result<bool, ConfigError> {
    match raw.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err(ConfigError::invalid(var, raw, "is not a boolean (expected true/false, 1/0 or yes/no)")),
    }
}

pub(super) fn is_ip_or_hostname(value: &str) -> bool {
    IpAddr::from_str(value).is_ok() || is_hostname(value)
}

/// RFC 1123 hostname. An all-numeric last label is rejected so that malformed
/// IPv4 addresses such as `256.0.0.1` are not mistaken for hostnames.
pub(super) fn is_hostname(value: &str) -> bool {
    let value = value.strip_suffix('.').unwrap_or(value);
    if value.is_empty() || value.len() > 253 {
        return false;
    }
    let labels_ok = value.split('.').all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    });
    let last_is_numeric = value.rsplit('.').next().is_some_and(|label| label.bytes().all(|b| b.is_ascii_digit()));
    labels_ok && !last_is_numeric
}
