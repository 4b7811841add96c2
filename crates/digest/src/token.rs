//! Signed, expiring links: confirm a subscription, manage it, unsubscribe. A token is
//! `purpose.subscriber.expiry.signature` with an HMAC-SHA256 signature over the rest, so
//! links need no table of their own and cannot be forged or reused for another purpose.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use csfeed_store::SubscriberId;

/// What a link lets its holder do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Confirm a sign-up (double opt-in).
    Confirm,
    /// See and change one's subscription.
    Manage,
    /// Stop all mail (one click).
    Unsubscribe,
}

impl Purpose {
    fn code(self) -> &'static str {
        match self {
            Purpose::Confirm => "c",
            Purpose::Manage => "m",
            Purpose::Unsubscribe => "u",
        }
    }

    /// How long a link of this purpose works.
    pub fn lifetime(self) -> Duration {
        match self {
            // A pending follow waits exactly as long as the link that can start it.
            Purpose::Confirm => csfeed_store::PENDING_FOLLOW_LIFETIME,
            Purpose::Manage | Purpose::Unsubscribe => Duration::days(400),
        }
    }
}

/// Why a link was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// Not a link this site made (or altered).
    #[error("this link is not valid; use the latest link you were sent")]
    Invalid,
    /// A real link, too old.
    #[error("this link has expired; subscribe again or use the link in a newer email")]
    Expired,
}

/// Signs and checks links with the site's secret. `Debug` does not show the key.
#[derive(Clone)]
pub struct Signer {
    key: Vec<u8>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer([redacted])")
    }
}

impl Signer {
    /// A signer over `key` (at least 32 random bytes in practice).
    pub fn new(key: &[u8]) -> Self {
        Self { key: key.to_vec() }
    }

    /// A token for `purpose` on `subscriber`, valid from `now` for the purpose's lifetime.
    pub fn sign(&self, purpose: Purpose, subscriber: SubscriberId, now: DateTime<Utc>) -> String {
        let expires = (now + purpose.lifetime()).timestamp();
        let body = format!("{}.{subscriber}.{expires}", purpose.code());
        format!("{body}.{}", URL_SAFE_NO_PAD.encode(self.mac(&body)))
    }

    /// The subscriber a token for `purpose` names, if it is genuine and not expired.
    pub fn verify(
        &self,
        purpose: Purpose,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<SubscriberId, TokenError> {
        self.verify_issued(purpose, token, now)
            .map(|(subscriber, _)| subscriber)
    }

    /// Like [`Signer::verify`], also saying when the token was issued (a confirmation link
    /// confirms only what had been asked for by then).
    pub fn verify_issued(
        &self,
        purpose: Purpose,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<(SubscriberId, DateTime<Utc>), TokenError> {
        let (body, signature) = token.trim().rsplit_once('.').ok_or(TokenError::Invalid)?;
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| TokenError::Invalid)?;
        let mut mac = self.hmac();
        mac.update(body.as_bytes());
        mac.verify_slice(&signature).map_err(|_| TokenError::Invalid)?;
        let mut parts = body.split('.');
        let (Some(code), Some(subscriber), Some(expires), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Invalid);
        };
        if code != purpose.code() {
            return Err(TokenError::Invalid);
        }
        let subscriber: SubscriberId = subscriber.parse().map_err(|_| TokenError::Invalid)?;
        let expires: i64 = expires.parse().map_err(|_| TokenError::Invalid)?;
        if now.timestamp() > expires {
            return Err(TokenError::Expired);
        }
        let issued = DateTime::from_timestamp(expires, 0)
            .and_then(|expires| expires.checked_sub_signed(purpose.lifetime()))
            .ok_or(TokenError::Invalid)?;
        Ok((subscriber, issued))
    }

    fn hmac(&self) -> Hmac<Sha256> {
        // HMAC takes keys of any length.
        match Hmac::<Sha256>::new_from_slice(&self.key) {
            Ok(mac) => mac,
            Err(_) => unreachable!("HMAC accepts keys of every length"),
        }
    }

    fn mac(&self, body: &str) -> Vec<u8> {
        let mut mac = self.hmac();
        mac.update(body.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_only_for_their_purpose_key_and_time() {
        let signer = Signer::new(b"0123456789abcdef0123456789abcdef");
        let now = Utc::now();
        let token = signer.sign(Purpose::Confirm, 42, now);
        assert_eq!(signer.verify(Purpose::Confirm, &token, now), Ok(42));
        assert_eq!(
            signer.verify_issued(Purpose::Confirm, &token, now + Duration::days(1)),
            Ok((42, DateTime::from_timestamp(now.timestamp(), 0).unwrap()))
        );
        assert_eq!(
            signer.verify(Purpose::Unsubscribe, &token, now),
            Err(TokenError::Invalid)
        );
        assert_eq!(
            signer.verify(Purpose::Confirm, &token, now + Duration::days(8)),
            Err(TokenError::Expired)
        );
        let other = Signer::new(b"another key entirely, also long!");
        assert_eq!(
            other.verify(Purpose::Confirm, &token, now),
            Err(TokenError::Invalid)
        );
        let forged = token.replacen(".42.", ".43.", 1);
        assert_eq!(
            signer.verify(Purpose::Confirm, &forged, now),
            Err(TokenError::Invalid)
        );
        for junk in ["", ".", "a.b.c.d", "c.42.9999999999.!!!", &"x".repeat(5000)] {
            assert!(signer.verify(Purpose::Confirm, junk, now).is_err());
        }
        assert!(!format!("{signer:?}").contains("0123"));
    }
}
