//! Subscriber addresses: parsed once at the edge, then trusted.

use std::str::FromStr;

/// A syntactically valid email address, normalised (trimmed, domain lower-cased). Its
/// `Debug` and `Display` show only a masked form (`j***@example.org`) so addresses do not
/// end up in logs; [`SubscriberEmail::as_str`] is for sending and storing.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SubscriberEmail(String);

/// Why an address was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidEmail(String);

/// Longest address accepted (RFC 5321's path limit).
const MAX_LENGTH: usize = 254;

impl SubscriberEmail {
    /// Parses what someone typed into the subscribe form.
    pub fn parse(raw: &str) -> Result<Self, InvalidEmail> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(InvalidEmail("enter an email address".into()));
        }
        if trimmed.len() > MAX_LENGTH {
            return Err(InvalidEmail(format!(
                "an email address is at most {MAX_LENGTH} characters"
            )));
        }
        let address = lettre::Address::from_str(trimmed)
            .map_err(|_| InvalidEmail("that is not an email address (expected name@example.org)".into()))?;
        if !address.domain().contains('.') {
            return Err(InvalidEmail(
                "that address has no full domain (expected name@example.org)".into(),
            ));
        }
        Ok(Self(format!(
            "{}@{}",
            address.user(),
            address.domain().to_ascii_lowercase()
        )))
    }

    /// The address itself.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `j***@example.org`: enough to recognise, not enough to harvest.
    pub fn masked(&self) -> String {
        mask(&self.0)
    }
}

/// Masks any stored address the way [`SubscriberEmail::masked`] does.
pub fn mask(address: &str) -> String {
    match address.split_once('@') {
        Some((user, domain)) => {
            let first: String = user.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".to_owned(),
    }
}

impl std::fmt::Debug for SubscriberEmail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SubscriberEmail({})", self.masked())
    }
}

impl std::fmt::Display for SubscriberEmail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_addresses_are_normalised_and_masked() {
        let email = SubscriberEmail::parse("  Jane.Smith@Example.ORG ").unwrap();
        assert_eq!(email.as_str(), "Jane.Smith@example.org");
        assert_eq!(email.to_string(), "J***@example.org");
        assert!(!format!("{email:?}").contains("Smith"));
    }

    #[test]
    fn bad_addresses_say_why() {
        for raw in [
            "",
            "jane",
            "jane@",
            "@example.org",
            "jane@localhost",
            "a b@example.org",
            &"a".repeat(300),
        ] {
            assert!(SubscriberEmail::parse(raw).is_err(), "{raw:?}");
        }
    }
}
