//! Finding a text document's character encoding and decoding it to UTF-8.

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};

/// How far into a document to look for an XML prolog or HTML `<meta charset>`.
const SNIFF_BYTES: usize = 1024;

/// Decodes a fetched text document to UTF-8. The encoding is taken, in order of
/// precedence, from a byte-order mark, the `Content-Type` charset, the XML prolog's
/// `encoding`, an HTML `<meta charset>`, else UTF-8. A document that claims (or is
/// assumed to be) UTF-8 but is not valid UTF-8 is read as Windows-1252, the usual truth
/// behind that mistake. Never fails: undecodable bytes become U+FFFD.
pub fn decode_text<'a>(body: &'a [u8], content_type: Option<&str>) -> Cow<'a, str> {
    if let Some((encoding, bom_length)) = Encoding::for_bom(body) {
        return encoding.decode_without_bom_handling(&body[bom_length..]).0;
    }
    let declared = content_type
        .and_then(charset_parameter)
        .or_else(|| prolog_encoding(body))
        .or_else(|| meta_charset(body))
        .and_then(|label| Encoding::for_label(label.as_bytes()))
        .unwrap_or(UTF_8);
    let encoding = if declared == UTF_8 && std::str::from_utf8(body).is_err() {
        WINDOWS_1252
    } else {
        declared
    };
    encoding.decode_without_bom_handling(body).0
}

/// `charset` from a `Content-Type` value such as `text/xml; charset="ISO-8859-1"`.
fn charset_parameter(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|parameter| {
        let (name, value) = parameter.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches(['"', '\'']).to_owned())
    })
}

fn head(body: &[u8]) -> String {
    String::from_utf8_lossy(&body[..body.len().min(SNIFF_BYTES)]).to_ascii_lowercase()
}

/// `encoding` from `<?xml version="1.0" encoding="…"?>`.
fn prolog_encoding(body: &[u8]) -> Option<String> {
    let head = head(body);
    let prolog = &head[head.find("<?xml")?..];
    let prolog = &prolog[..prolog.find("?>")?];
    attribute_value(prolog, "encoding")
}

/// `<meta charset="…">` or `<meta http-equiv="Content-Type" content="…; charset=…">`.
fn meta_charset(body: &[u8]) -> Option<String> {
    let head = head(body);
    let mut rest = head.as_str();
    while let Some(start) = rest.find("<meta") {
        let tag = &rest[start..];
        let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
        if let Some(charset) = attribute_value(tag, "charset") {
            return Some(charset);
        }
        if let Some(content) = attribute_value(tag, "content")
            && let Some(charset) = charset_parameter(&content)
        {
            return Some(charset);
        }
        rest = &rest[start + 5..];
    }
    None
}

/// The value of `name="…"`, `name='…'` or `name=…` inside a tag (already lower-cased).
fn attribute_value(tag: &str, name: &str) -> Option<String> {
    let mut rest = tag;
    loop {
        let found = rest.find(name)?;
        let preceded_by_space = rest[..found].ends_with(|c: char| c.is_ascii_whitespace());
        let after = rest[found + name.len()..].trim_start();
        rest = &rest[found + name.len()..];
        if !preceded_by_space {
            continue;
        }
        let Some(value) = after.strip_prefix('=') else {
            continue;
        };
        let value = value.trim_start();
        let (quote, value) = match value.chars().next() {
            Some(quote @ ('"' | '\'')) => (Some(quote), &value[1..]),
            _ => (None, value),
        };
        let end = match quote {
            Some(quote) => value.find(quote),
            None => value.find(|c: char| c.is_ascii_whitespace() || c == '>' || c == ';'),
        }
        .unwrap_or(value.len());
        return Some(value[..end].trim().to_owned()).filter(|value| !value.is_empty());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_declaration_is_honoured_in_order() {
        let latin1 = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><t>\xA35 caf\xE9</t>";
        assert_eq!(
            decode_text(latin1, None),
            "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><t>£5 café</t>"
        );
        let header_wins = decode_text(
            b"<?xml version=\"1.0\" encoding=\"utf-8\"?>\xA3",
            Some("text/xml; charset=iso-8859-1"),
        );
        assert!(header_wins.ends_with('£'), "{header_wins}");
        let meta = decode_text(
            b"<html><head><meta charset='windows-1252'></head>\x93q\x94</html>",
            None,
        );
        assert!(meta.contains("\u{201c}q\u{201d}"), "{meta}");
        let http_equiv = decode_text(
            b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=ISO-8859-1\">\xE9",
            Some("text/html"),
        );
        assert!(http_equiv.ends_with('é'), "{http_equiv}");
        let bom = decode_text(
            b"\xEF\xBB\xBF<rss>\xC2\xA3</rss>",
            Some("text/xml; charset=iso-8859-1"),
        );
        assert_eq!(bom, "<rss>£</rss>", "a BOM beats the header");
    }

    #[test]
    fn latin1_mislabelled_as_utf8_is_rescued() {
        let text = decode_text(
            b"<rss><title>\xA35,800 a week</title></rss>",
            Some("application/rss+xml; charset=utf-8"),
        );
        assert_eq!(text, "<rss><title>£5,800 a week</title></rss>");
    }

    #[test]
    fn garbage_never_panics() {
        let garbage: Vec<u8> = (0..=255u8).cycle().take(5000).collect();
        for content_type in [
            None,
            Some("text/xml; charset=nonsense"),
            Some("text/xml; charset=utf-16"),
        ] {
            let _ = decode_text(&garbage, content_type);
        }
        assert_eq!(decode_text(b"", None), "");
        assert_eq!(attribute_value("<?xml encoding=", "encoding"), None);
    }
}
