//! Finding a text document's character encoding and decoding it to UTF-8.

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};

/// How far into a document to look for an XML prolog or HTML `<meta charset>`.
const SNIFF_BYTES: usize = 1024;

/// Decodes a fetched text document to UTF-8. The encoding is taken, in order of
/// precedence, from a byte-order mark, the `Content-Type` charset, the XML prolog's
/// `encoding`, an HTML `<meta charset>`, else UTF-8; UTF-16 and UTF-32 are recognised by
/// their byte-order mark or, without one, by the pattern of zero bytes around the first `<`
/// (XML 1.0 appendix F), whatever the labels say. A document that claims (or is
/// assumed to be) UTF-8 but is not valid UTF-8 is read as Windows-1252, the usual truth
/// behind that mistake. Never fails: undecodable bytes become U+FFFD.
pub fn decode_text<'a>(body: &'a [u8], content_type: Option<&str>) -> Cow<'a, str> {
    if let Some(wide) = sniff_wide_encoding(body) {
        return Cow::Owned(wide.decode(body));
    }
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

/// A UTF-16 or UTF-32 byte order, found from a byte-order mark or the first character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WideEncoding {
    Utf16Le,
    Utf16Be,
    Utf32Le,
    Utf32Be,
}

impl WideEncoding {
    /// Decodes `body` (a byte-order mark at its start is dropped), each unit that is not a
    /// character becoming U+FFFD.
    fn decode(self, body: &[u8]) -> String {
        let text = match self {
            WideEncoding::Utf16Le => encoding_rs::UTF_16LE
                .decode_without_bom_handling(body)
                .0
                .into_owned(),
            WideEncoding::Utf16Be => encoding_rs::UTF_16BE
                .decode_without_bom_handling(body)
                .0
                .into_owned(),
            WideEncoding::Utf32Le | WideEncoding::Utf32Be => body
                .chunks(4)
                .map(|unit| {
                    let bytes: [u8; 4] = unit.try_into().unwrap_or([0xff; 4]);
                    let scalar = match self {
                        WideEncoding::Utf32Le => u32::from_le_bytes(bytes),
                        _ => u32::from_be_bytes(bytes),
                    };
                    char::from_u32(scalar).unwrap_or(char::REPLACEMENT_CHARACTER)
                })
                .collect(),
        };
        match text.strip_prefix('\u{feff}') {
            Some(rest) => rest.to_owned(),
            None => text,
        }
    }
}

/// The wide encoding of a document that starts with a UTF-32 or UTF-16 byte-order mark, or,
/// without one, with `<` (or whitespace) in one of them. UTF-32's marks come first because
/// UTF-16LE's is a prefix of UTF-32LE's.
fn sniff_wide_encoding(body: &[u8]) -> Option<WideEncoding> {
    let first: [u8; 4] = body.get(..4)?.try_into().ok()?;
    let ascii_start = |byte: u8| byte == b'<' || byte.is_ascii_whitespace();
    match first {
        [0xff, 0xfe, 0, 0] => Some(WideEncoding::Utf32Le),
        [0, 0, 0xfe, 0xff] => Some(WideEncoding::Utf32Be),
        [0xff, 0xfe, _, _] => Some(WideEncoding::Utf16Le),
        [0xfe, 0xff, _, _] => Some(WideEncoding::Utf16Be),
        [byte, 0, 0, 0] if ascii_start(byte) => Some(WideEncoding::Utf32Le),
        [0, 0, 0, byte] if ascii_start(byte) => Some(WideEncoding::Utf32Be),
        [byte, 0, next, 0] if ascii_start(byte) && next != 0 => Some(WideEncoding::Utf16Le),
        [0, byte, 0, next] if ascii_start(byte) && next != 0 => Some(WideEncoding::Utf16Be),
        _ => None,
    }
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

    fn utf16(text: &str, little_endian: bool) -> Vec<u8> {
        text.encode_utf16()
            .flat_map(|unit| {
                if little_endian {
                    unit.to_le_bytes()
                } else {
                    unit.to_be_bytes()
                }
            })
            .collect()
    }

    fn utf32(text: &str, little_endian: bool) -> Vec<u8> {
        text.chars()
            .flat_map(|c| {
                if little_endian {
                    u32::from(c).to_le_bytes()
                } else {
                    u32::from(c).to_be_bytes()
                }
            })
            .collect()
    }

    #[test]
    fn utf16_and_utf32_without_a_bom_are_recognised() {
        // Above U+00FF (Ł, €) and beyond the BMP (𝄞): the characters that were garbled.
        let document = "<?xml version=\"1.0\" encoding=\"utf-16le\"?><rss><title>Łódź € 𝄞</title></rss>";
        for little_endian in [true, false] {
            assert_eq!(decode_text(&utf16(document, little_endian), None), document);
            assert_eq!(decode_text(&utf32(document, little_endian), None), document);
            assert_eq!(
                decode_text(&utf16(document, little_endian), Some("text/xml; charset=utf-8")),
                document,
                "the bytes outrank a wrong label"
            );
        }
        let mut with_bom = vec![0xff, 0xfe, 0, 0];
        with_bom.extend(utf32(document, true));
        assert_eq!(
            decode_text(&with_bom, None),
            document,
            "UTF-32LE's BOM is not UTF-16LE's"
        );
        let mut with_bom = vec![0xfe, 0xff];
        with_bom.extend(utf16(document, false));
        assert_eq!(decode_text(&with_bom, None), document);
        assert_eq!(
            decode_text(b"<\0\0\0x", None),
            "<\u{fffd}",
            "a truncated unit is replaced"
        );
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
