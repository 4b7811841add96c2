//! Sending: SMTP through lettre (STARTTLS, implicit TLS or plain for local relays, with
//! authentication and a rate limit), or, when no SMTP server is configured, `.eml` files in
//! an outbox folder, so the digest works offline and can be inspected.

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::DigestError;

/// A password or key from config: usable, but `Debug` and `Display` print `[redacted]`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// Plain connection upgraded with STARTTLS (port 587).
    Starttls,
    /// TLS from the first byte (port 465).
    Implicit,
    /// No TLS: only for a relay on this machine or a test server.
    None,
}

/// Where and how to deliver by SMTP.
#[derive(Debug, Clone)]
pub struct SmtpSettings {
    /// Server host name.
    pub host: String,
    /// Server port.
    pub port: u16,
    /// Connection security.
    pub tls: TlsMode,
    /// Login name, when the server wants one.
    pub username: Option<String>,
    /// Password (from config or `CSFEED__EMAIL__SMTP__PASSWORD`).
    pub password: Option<Secret>,
    /// Most messages per second.
    pub max_per_second: f64,
    /// Give up on a server that does not answer within this.
    pub timeout: Duration,
}

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Outbox(PathBuf),
}

/// Sends messages from one address, at a limited rate.
pub struct Mailer {
    transport: Transport,
    from: Mailbox,
    gap: Duration,
    next_send: Mutex<Instant>,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let transport = match &self.transport {
            Transport::Smtp(_) => "smtp".to_owned(),
            Transport::Outbox(dir) => format!("outbox {}", dir.display()),
        };
        f.debug_struct("Mailer")
            .field("transport", &transport)
            .field("from", &self.from.to_string())
            .finish()
    }
}

impl Mailer {
    /// A mailer that sends through an SMTP server.
    pub fn smtp(from: &str, settings: &SmtpSettings) -> Result<Self, DigestError> {
        let from = parse_from(from)?;
        let builder = match settings.tls {
            TlsMode::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&settings.host),
            TlsMode::Implicit => AsyncSmtpTransport::<Tokio1Executor>::relay(&settings.host),
            TlsMode::None => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(
                &settings.host,
            )),
        }
        .map_err(|error| DigestError::Settings(format!("SMTP server {}: {error}", settings.host)))?;
        let mut builder = builder.port(settings.port).timeout(Some(settings.timeout));
        if let (Some(username), Some(password)) = (&settings.username, &settings.password) {
            builder = builder.credentials(Credentials::new(username.clone(), password.expose().to_owned()));
        }
        let gap = if settings.max_per_second > 0.0 {
            Duration::from_secs_f64(1.0 / settings.max_per_second)
        } else {
            Duration::ZERO
        };
        Ok(Self {
            transport: Transport::Smtp(builder.build()),
            from,
            gap,
            next_send: Mutex::new(Instant::now()),
        })
    }

    /// A mailer that writes each message to `directory` as `<name>.eml`.
    pub fn outbox(from: &str, directory: PathBuf) -> Result<Self, DigestError> {
        std::fs::create_dir_all(&directory).map_err(|error| {
            DigestError::Settings(format!(
                "cannot create the outbox {}: {error}",
                directory.display()
            ))
        })?;
        Ok(Self {
            transport: Transport::Outbox(directory),
            from: parse_from(from)?,
            gap: Duration::ZERO,
            next_send: Mutex::new(Instant::now()),
        })
    }

    /// The sender.
    pub fn from(&self) -> &Mailbox {
        &self.from
    }

    /// True when messages leave this machine (SMTP), false for the outbox folder.
    pub fn delivers(&self) -> bool {
        matches!(self.transport, Transport::Smtp(_))
    }

    /// True when the sender's domain exists only on this machine (`localhost`,
    /// `*.localdomain`, `*.local`, a loopback or unspecified address, a name without a dot):
    /// mail servers reject such a sender and nobody can reply to it.
    pub fn sender_is_local(&self) -> bool {
        let domain = self
            .from
            .email
            .domain()
            .trim_matches(['[', ']'])
            .to_ascii_lowercase();
        if let Ok(ip) = domain.parse::<std::net::IpAddr>() {
            return ip.is_loopback() || ip.is_unspecified();
        }
        !domain.contains('.')
            || domain == "localhost"
            || [".localhost", ".localdomain", ".local"]
                .iter()
                .any(|suffix| domain.ends_with(suffix))
    }

    /// Where messages go, in words (for the run summary).
    pub fn describe(&self) -> String {
        match &self.transport {
            Transport::Smtp(_) => "SMTP".to_owned(),
            Transport::Outbox(dir) => format!("the outbox {}", dir.display()),
        }
    }

    /// Sends `message`; `name` names its outbox file (the same name on a resend replaces
    /// the file rather than adding a second).
    pub async fn send(&self, message: &Message, name: &str) -> Result<(), DigestError> {
        self.wait_turn().await;
        match &self.transport {
            Transport::Smtp(smtp) => smtp.send(message.clone()).await.map(|_| ()).map_err(|error| {
                let reason = one_line(&error.to_string());
                if refuses_mailbox(&error) {
                    DigestError::Refused(reason)
                } else {
                    DigestError::Send(reason)
                }
            }),
            Transport::Outbox(dir) => {
                let path = dir.join(format!("{name}.eml"));
                let partial = dir.join(format!(".{name}.eml.partial"));
                let body = message.formatted();
                tokio::fs::write(&partial, body)
                    .await
                    .and(tokio::fs::rename(&partial, &path).await)
                    .map_err(|error| DigestError::Send(format!("cannot write {}: {error}", path.display())))
            }
        }
    }

    async fn wait_turn(&self) {
        if self.gap.is_zero() {
            return;
        }
        let mut next = self.next_send.lock().await;
        let now = Instant::now();
        if *next > now {
            tokio::time::sleep_until(*next).await;
        }
        *next = Instant::now().max(*next) + self.gap;
    }
}

/// True for a permanent "no such mailbox" answer (550, 551, 553), as opposed to a full
/// mailbox, a server in trouble or a login that failed.
fn refuses_mailbox(error: &lettre::transport::smtp::Error) -> bool {
    error.is_permanent()
        && error
            .status()
            .is_some_and(|code| matches!(code.to_string().as_str(), "550" | "551" | "553"))
}

fn parse_from(from: &str) -> Result<Mailbox, DigestError> {
    from.parse()
        .map_err(|error| DigestError::Settings(format!("email.from {from:?} is not an address: {error}")))
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn senders_that_exist_only_on_this_machine_are_recognised() {
        let outbox = tempfile::tempdir().unwrap();
        let local = |from: &str| {
            Mailer::outbox(from, outbox.path().to_path_buf())
                .unwrap()
                .sender_is_local()
        };
        for from in [
            "csfeed digest <digest@localhost.localdomain>",
            "digest@localhost",
            "digest@csfeed.localhost",
            "digest@box.local",
            "digest@intranet",
        ] {
            assert!(local(from), "{from}");
        }
        for from in ["Digest <digest@news.example.org>", "digest@council.gov.uk"] {
            assert!(!local(from), "{from}");
        }
    }
}
