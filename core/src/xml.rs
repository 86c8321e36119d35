//! A small, strict XML reader and writer for XMPP's one-element frames (RFC 7395): elements,
//! attributes, text, the five predefined entities and character references. No DTD, no other
//! entities (nothing to expand), no processing instructions kept; bounded depth.

/// An element: its name as written (`stream:features`), its attributes, its children.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Node>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    Element(Element),
    Text(String),
}

/// How deep elements may nest: stanzas are shallow; a deeper frame is refused, not recursed.
pub const MAX_DEPTH: usize = 64;

/// How many elements one frame may hold: a roster of 15,000 contacts, a group each, fits; a
/// hostile mebibyte of 262,000 empty children (an allocation each) is refused an eighth of the
/// way in, within a frame's budget.
pub const MAX_ELEMENTS: usize = 32_768;

impl Element {
    pub fn new(name: &str) -> Self {
        Element { name: name.to_string(), ..Element::default() }
    }

    /// With an attribute (builder style, for writing stanzas).
    pub fn attr(mut self, name: &str, value: &str) -> Self {
        self.attrs.push((name.to_string(), value.to_string()));
        self
    }

    pub fn child(mut self, child: Element) -> Self {
        self.children.push(Node::Element(child));
        self
    }

    pub fn text(mut self, text: &str) -> Self {
        self.children.push(Node::Text(text.to_string()));
        self
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// The name without its prefix (`features` for `stream:features`).
    pub fn local_name(&self) -> &str {
        match self.name.bytes().rposition(|b| b == b':') {
            Some(colon) => self.name.get(colon + 1..).unwrap_or_default(),
            None => &self.name,
        }
    }

    /// The first child element of this local name.
    pub fn find(&self, local: &str) -> Option<&Element> {
        self.elements().find(|e| e.local_name() == local)
    }

    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    /// All the text directly inside.
    pub fn text_content(&self) -> String {
        self.children
            .iter()
            .filter_map(|n| match n {
                Node::Text(t) => Some(t.as_str()),
                Node::Element(_) => None,
            })
            .collect()
    }

    /// The element as XML.
    pub fn to_xml(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        out.push('<');
        out.push_str(&self.name);
        for (name, value) in &self.attrs {
            out.push(' ');
            out.push_str(name);
            out.push_str("=\"");
            escape_into(out, value);
            out.push('"');
        }
        if self.children.is_empty() {
            out.push_str("/>");
            return;
        }
        out.push('>');
        for child in &self.children {
            match child {
                Node::Element(e) => e.write(out),
                Node::Text(t) => escape_into(out, t),
            }
        }
        out.push_str("</");
        out.push_str(&self.name);
        out.push('>');
    }
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Not allowed in XML 1.0 at all: left out rather than sent broken.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
}

/// Why a frame is not one element of XML.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XmlError(pub &'static str);

/// Reads one element (an XML declaration, comments and surrounding white space allowed).
pub fn parse(text: &str) -> Result<Element, XmlError> {
    let mut reader = Reader { text, at: 0, elements: 0 };
    reader.skip_prolog()?;
    let element = reader.element(0)?;
    reader.skip_misc()?;
    if reader.at != text.len() {
        return Err(XmlError("text after the element"));
    }
    Ok(element)
}

struct Reader<'a> {
    text: &'a str,
    at: usize,
    /// Elements read so far.
    elements: usize,
}

impl<'a> Reader<'a> {
    fn rest(&self) -> &'a str {
        &self.text[self.at..]
    }

    fn skip_ws(&mut self) {
        let trimmed = self.rest().trim_start_matches([' ', '\t', '\r', '\n']);
        self.at = self.text.len() - trimmed.len();
    }

    fn skip_prolog(&mut self) -> Result<(), XmlError> {
        self.skip_ws();
        if self.rest().starts_with("<?xml") {
            let end = self.rest().find("?>").ok_or(XmlError("unclosed declaration"))?;
            self.at += end + 2;
        }
        self.skip_misc()?;
        if self.rest().starts_with("<!") {
            return Err(XmlError("a DOCTYPE or other declaration"));
        }
        Ok(())
    }

    fn skip_misc(&mut self) -> Result<(), XmlError> {
        loop {
            self.skip_ws();
            if self.rest().starts_with("<!--") {
                self.at += comment_length(self.rest())?;
            } else {
                return Ok(());
            }
        }
    }

    /// The name at the reader, which ends at white space, `/`, `>` or `=`. Looked for byte by
    /// byte (an element of many tiny children is a hostile server's mebibyte); a name with
    /// quotes, `<` or `&` in it, or any white space, is refused.
    fn name(&mut self) -> Result<&'a str, XmlError> {
        let rest = self.rest();
        let end = rest
            .bytes()
            .position(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'/' | b'>' | b'=' | b'<' | b'&' | b'"' | b'\''))
            .unwrap_or(rest.len());
        let name = rest.get(..end).unwrap_or_default();
        let stopped_at_bad = matches!(rest.as_bytes().get(end), Some(b'<' | b'&' | b'"' | b'\''));
        if end == 0 || stopped_at_bad || (!name.is_ascii() && name.chars().any(char::is_whitespace)) {
            return Err(XmlError("a bad name"));
        }
        self.at += end;
        Ok(name)
    }

    fn element(&mut self, depth: usize) -> Result<Element, XmlError> {
        if depth >= MAX_DEPTH {
            return Err(XmlError("nested too deep"));
        }
        self.elements += 1;
        if self.elements > MAX_ELEMENTS {
            return Err(XmlError("too many elements"));
        }
        if !self.rest().starts_with('<') {
            return Err(XmlError("no element"));
        }
        self.at += 1;
        let mut element = Element::new(self.name()?);
        let empty = loop {
            self.skip_ws();
            let rest = self.rest();
            if let Some(after) = rest.strip_prefix("/>") {
                self.at = self.text.len() - after.len();
                break true;
            }
            if rest.starts_with('>') {
                self.at += 1;
                break false;
            }
            let name = self.name()?.to_string();
            self.skip_ws();
            if !self.rest().starts_with('=') {
                return Err(XmlError("an attribute without a value"));
            }
            self.at += 1;
            self.skip_ws();
            let quote =
                self.rest().chars().next().filter(|q| *q == '"' || *q == '\'').ok_or(XmlError("an unquoted value"))?;
            self.at += 1;
            let end = self.rest().find(quote).ok_or(XmlError("an unclosed value"))?;
            let raw = &self.rest()[..end];
            if raw.contains('<') {
                return Err(XmlError("< in a value"));
            }
            let value = unescape(raw)?;
            self.at += end + 1;
            if element.attrs.len() == MAX_ATTRIBUTES {
                return Err(XmlError("too many attributes"));
            }
            element.attrs.push((name, value));
        };
        if has_repeats(&element.attrs) {
            return Err(XmlError("a repeated attribute"));
        }
        if empty {
            return Ok(element);
        }
        // Content until the matching end tag.
        loop {
            let rest = self.rest();
            if rest.is_empty() {
                return Err(XmlError("an unclosed element"));
            }
            if let Some(after) = rest.strip_prefix("</") {
                let end = after.find('>').ok_or(XmlError("an unclosed end tag"))?;
                if after[..end].trim_end() != element.name {
                    return Err(XmlError("a mismatched end tag"));
                }
                self.at = self.text.len() - after.len() + end + 1;
                return Ok(element);
            }
            if rest.starts_with("<!--") {
                self.at += comment_length(rest)?;
            } else if rest.starts_with("<![CDATA[") {
                let end = rest.find("]]>").ok_or(XmlError("unclosed CDATA"))?;
                push_text(&mut element, &rest[9..end]);
                self.at += end + 3;
            } else if rest.starts_with("<!") || rest.starts_with("<?") {
                return Err(XmlError("a declaration inside an element"));
            } else if rest.starts_with('<') {
                let child = self.element(depth + 1)?;
                element.children.push(Node::Element(child));
            } else {
                let end = rest.find('<').unwrap_or(rest.len());
                let text = unescape(&rest[..end])?;
                self.at += end;
                push_text(&mut element, &text);
            }
        }
    }
}

/// The length of the comment at the start of `rest`, its `-->` included. Looked for after
/// the `<!--`: the dashes of `<!-->` open a comment, they do not close it.
fn comment_length(rest: &str) -> Result<usize, XmlError> {
    let end = rest.get(4..).and_then(|r| r.find("-->")).ok_or(XmlError("unclosed comment"))?;
    Ok(4 + end + 3)
}

/// An element with more attributes than this is refused: no stanza has more than a dozen, and a
/// hostile one of a mebibyte of them (26,000 fit in Prosody's limit) would cost a long frame.
/// Below it, checking each pair for a repeat costs little.
pub const MAX_ATTRIBUTES: usize = 64;

/// Whether an attribute name is repeated.
fn has_repeats(attrs: &[(String, String)]) -> bool {
    attrs.iter().enumerate().any(|(i, (name, _))| attrs[..i].iter().any(|(n, _)| n == name))
}

/// Text after text is one run of text, however it was written (plain, CDATA, around a comment);
/// no text (an empty CDATA section) is no node, as the writer would leave nothing of it.
fn push_text(element: &mut Element, text: &str) {
    if text.is_empty() {
        return;
    }
    match element.children.last_mut() {
        Some(Node::Text(t)) => t.push_str(text),
        _ => element.children.push(Node::Text(text.to_string())),
    }
}

/// Text with its five entities and character references read; any other entity is an error.
fn unescape(raw: &str) -> Result<String, XmlError> {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let end = after.find(';').ok_or(XmlError("an unclosed reference"))?;
        let name = &after[..end];
        let c = match name {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = if let Some(hex) = name.strip_prefix("#x") {
                    u32::from_str_radix(hex, 16).ok()
                } else if let Some(dec) = name.strip_prefix('#') {
                    dec.parse::<u32>().ok()
                } else {
                    return Err(XmlError("an entity XMPP does not allow"));
                };
                code.and_then(char::from_u32).ok_or(XmlError("a bad character reference"))?
            }
        };
        out.push(c);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_stanzas() {
        let xml = r#"<message xmlns='jabber:client' from="room@muc/bob" type="groupchat" id="a&amp;b"><body>1 &lt; 2 &#x263A; &#65;</body><delay xmlns="urn:xmpp:delay" stamp="2024-01-01T00:00:00Z"/></message>"#;
        let e = parse(xml).expect("parses");
        assert_eq!(e.name, "message");
        assert_eq!(e.get("id"), Some("a&b"));
        assert_eq!(e.find("body").map(Element::text_content).as_deref(), Some("1 < 2 ☺ A"));
        assert_eq!(e.find("delay").and_then(|d| d.get("stamp")), Some("2024-01-01T00:00:00Z"));
        let features = parse("<?xml version='1.0'?><stream:features xmlns:stream='x'><mechanisms/></stream:features>");
        assert_eq!(features.map(|f| f.local_name().to_string()), Ok("features".into()));
    }

    #[test]
    fn refuses_what_could_expand_or_break() {
        for bad in [
            "<!DOCTYPE x [<!ENTITY a 'aaaa'>]><x>&a;</x>",
            "<x>&a;</x>",
            "<x a='1' a='2'/>",
            "<x><y></x></y>",
            "<x>",
            "<x a=1/>",
            "<x/><y/>",
            "",
            "<x>&#xFFFFFFFF;</x>",
            "<x><!--></x>",
            "<!--><x/>",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        let deep = "<a>".repeat(MAX_DEPTH + 1) + &"</a>".repeat(MAX_DEPTH + 1);
        assert_eq!(parse(&deep), Err(XmlError("nested too deep")));
        let children = |n: usize| format!("<a>{}</a>", "<b/>".repeat(n));
        assert_eq!(parse(&children(MAX_ELEMENTS - 1)).map(|a| a.children.len()), Ok(MAX_ELEMENTS - 1));
        assert_eq!(parse(&children(MAX_ELEMENTS)), Err(XmlError("too many elements")));
    }

    #[test]
    fn writes_what_it_reads() {
        let e = Element::new("message").attr("to", "a\"b<c").child(Element::new("body").text("x & <y> \u{1}z"));
        let xml = e.to_xml();
        assert_eq!(xml, r#"<message to="a&quot;b&lt;c"><body>x &amp; &lt;y&gt; z</body></message>"#);
        assert_eq!(parse(&xml).map(|p| p.find("body").map(Element::text_content)), Ok(Some("x & <y> z".into())));
        // CDATA and text next to each other are one text (the fuzz test found two).
        let cdata = parse("<a><![CDATA[x]]><![CDATA[<y>]]>z<!--c-->w</a>").expect("parses");
        assert_eq!(cdata.children, vec![Node::Text("x<y>zw".into())]);
        assert_eq!(parse(&cdata.to_xml()), Ok(cdata));
        // A comment ends at a `-->` after its `<!--`, and an empty CDATA section is no text
        // (the fuzz test found both).
        assert_eq!(parse("<a><!--><-->b</a>").map(|a| a.children), Ok(vec![Node::Text("b".into())]));
        assert_eq!(parse("<a><![CDATA[]]></a>"), Ok(Element::new("a")));
    }
}
