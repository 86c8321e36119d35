//! Slash commands typed in the composer, parsed into actions; anything else is a message.

use std::fmt;

/// What a line typed in the composer asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// A message to send (a leading `//` is unescaped to a literal `/`).
    Message(String),
    /// `/close [code] [reason]`
    Close { code: Option<u16>, reason: String },
    /// `/reconnect`
    Reconnect,
    /// `/help`
    Help,
    /// `/clear`: empties the view (messages still waiting to be sent stay queued).
    Clear,
    /// `/join #channel` (IRC): one more conversation, shown.
    Join(String),
    /// `/part [#channel]`: leaves a conversation, the shown one when none is named.
    Part(Option<String>),
    /// `/msg nick text`: a private message, in that person's conversation.
    Msg { nick: String, text: String },
    /// `/query nick`: opens a private conversation with someone.
    Query(String),
    /// `/topic [text]`: sets the shown conversation's topic, or shows it.
    Topic(Option<String>),
    /// `/nick name`
    Nick(String),
    /// `/hex 48 65 6c 6c 6f`: a binary frame.
    Hex(Vec<u8>),
    /// `/search words`: the stored history of every server, searched.
    Search(String),
}

impl Input {
    /// Whether this line carries a password for a network service (`/msg NickServ IDENTIFY x`,
    /// or `IDENTIFY x` typed in the private conversation `private_with`): such a line must
    /// not rest in the input history.
    pub fn holds_secret(&self, private_with: Option<&str>) -> bool {
        let (to, text) = match self {
            Input::Msg { nick, text } => (nick.as_str(), text),
            Input::Message(text) => match private_with {
                Some(to) => (to, text),
                None => return false,
            },
            _ => return false,
        };
        crate::secret::service_secret_at(to, text).is_some()
    }
}

/// A line that starts with `/` but is not a command this client knows, or has bad arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CommandError {
    Unknown(String),
    BadCloseCode(String),
    MissingArgument { command: &'static str, what: &'static str },
    BadHex(String),
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CommandError::Unknown(name) => {
                write!(f, "Unknown command /{name}; nothing was sent. Type /help for the list, or // to send a line starting with /.")
            }
            CommandError::BadCloseCode(code) => {
                write!(f, "\"{code}\" is not a close code; use /close, /close 1000, or /close 4000 reason.")
            }
            CommandError::MissingArgument { command, what } => write!(f, "/{command} needs {what}."),
            CommandError::BadHex(token) => {
                write!(f, "\"{token}\" is not hex bytes; write them as in /hex 48 65 6c 6c 6f or /hex 48656c6c6f.")
            }
        }
    }
}

impl std::error::Error for CommandError {}

/// The commands and what they do, for `/help`.
pub const HELP: &str = "Commands: /me action sends an action; /hex 48 65 6c sends a binary frame; /nick name changes your nick; /join #channel \
joins a channel and /part leaves one; /msg nick text writes privately and /query nick opens a private conversation; \
/topic [text] sets or shows the topic (IRC); Alt+Up/Down moves between conversations, Alt+Shift+Up/Down to the next unread, \
Ctrl+K jumps to one by name; /close [code] [reason] closes the connection (code 1000 or 3000-4999); /reconnect \
connects again now; /clear empties this view; /search words searches the stored history (Ctrl+Shift+F); /help shows this. Start a message with // to send a leading /.";

/// Parses one line typed in the composer.
pub fn parse_input(line: &str) -> Result<Input, CommandError> {
    // A line break left at the end says nothing, and line-based servers would drop it anyway.
    let line = line.trim_end_matches(['\n', '\r']);
    if let Some(rest) = line.strip_prefix("//") {
        return Ok(Input::Message(format!("/{rest}")));
    }
    let Some(command) = line.strip_prefix('/') else {
        return Ok(Input::Message(line.to_string()));
    };
    let command = command.trim_end();
    let (name, args) = command.split_once(char::is_whitespace).unwrap_or((command, ""));
    let args = args.trim_start();
    match name.to_ascii_lowercase().as_str() {
        "close" | "disconnect" => {
            if args.is_empty() {
                return Ok(Input::Close { code: None, reason: String::new() });
            }
            let (code, reason) = args.split_once(char::is_whitespace).unwrap_or((args, ""));
            let code = code.parse::<u16>().map_err(|_| CommandError::BadCloseCode(code.to_string()))?;
            Ok(Input::Close { code: Some(code), reason: reason.trim().to_string() })
        }
        "reconnect" => Ok(Input::Reconnect),
        // Actions travel as "/me …" text; each wire format renders them its own way.
        "me" if !args.is_empty() => Ok(Input::Message(format!("/me {args}"))),
        "me" => Err(CommandError::MissingArgument { command: "me", what: "an action, as in /me waves" }),
        "join" => match args.split_whitespace().next() {
            Some(channel) => Ok(Input::Join(channel.to_string())),
            None => Err(CommandError::MissingArgument { command: "join", what: "a channel, as in /join #rust" }),
        },
        "part" | "leave" => Ok(Input::Part(args.split_whitespace().next().map(str::to_string))),
        "msg" | "privmsg" => match args.split_once(char::is_whitespace) {
            Some((nick, text)) if !text.trim().is_empty() => {
                Ok(Input::Msg { nick: nick.to_string(), text: text.trim_start().to_string() })
            }
            _ => Err(CommandError::MissingArgument {
                command: "msg",
                what: "a nick and a message, as in /msg ada hello",
            }),
        },
        "query" => match args.split_whitespace().next() {
            Some(nick) => Ok(Input::Query(nick.to_string())),
            None => Err(CommandError::MissingArgument { command: "query", what: "a nick, as in /query ada" }),
        },
        "topic" => Ok(Input::Topic((!args.is_empty()).then(|| args.to_string()))),
        "hex" => parse_hex(args),
        "nick" => match args.split_whitespace().next() {
            Some(nick) => Ok(Input::Nick(nick.to_string())),
            None => Err(CommandError::MissingArgument { command: "nick", what: "a new nick, as in /nick ada" }),
        },
        "search" | "find" if !args.is_empty() => Ok(Input::Search(args.to_string())),
        "search" | "find" => {
            Err(CommandError::MissingArgument { command: "search", what: "words to look for, as in /search release" })
        }
        "help" | "?" => Ok(Input::Help),
        "clear" => Ok(Input::Clear),
        _ => Err(CommandError::Unknown(name.to_string())),
    }
}

/// Hex bytes, in pairs, with or without spaces between them.
fn parse_hex(args: &str) -> Result<Input, CommandError> {
    let digits: String = args.split_whitespace().collect();
    if digits.is_empty() {
        return Err(CommandError::MissingArgument { command: "hex", what: "bytes, as in /hex 48 65 6c 6c 6f" });
    }
    if !digits.len().is_multiple_of(2) || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(CommandError::BadHex(args.trim().to_string()));
    }
    let bytes = (0..digits.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&digits[i..i + 2], 16))
        .collect::<Result<Vec<u8>, _>>()
        .map_err(|_| CommandError::BadHex(args.trim().to_string()))?;
    Ok(Input::Hex(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_lines_are_messages() {
        assert_eq!(parse_input("hello"), Ok(Input::Message("hello".into())));
        assert_eq!(parse_input("a /b"), Ok(Input::Message("a /b".into())));
        assert_eq!(parse_input("//slash"), Ok(Input::Message("/slash".into())));
    }

    #[test]
    fn commands() {
        assert_eq!(parse_input("/close"), Ok(Input::Close { code: None, reason: String::new() }));
        assert_eq!(parse_input("/close 4000 bye now"), Ok(Input::Close { code: Some(4000), reason: "bye now".into() }));
        assert_eq!(parse_input("/CLOSE 1000"), Ok(Input::Close { code: Some(1000), reason: String::new() }));
        assert_eq!(parse_input("/reconnect"), Ok(Input::Reconnect));
        assert_eq!(parse_input("/help"), Ok(Input::Help));
        assert_eq!(parse_input("/clear"), Ok(Input::Clear));
        assert_eq!(parse_input("/me waves hello"), Ok(Input::Message("/me waves hello".into())));
        assert_eq!(parse_input("/join #rust"), Ok(Input::Join("#rust".into())));
        assert_eq!(parse_input("two\nlines\r\n\n"), Ok(Input::Message("two\nlines".into())));
        assert_eq!(parse_input("/nick ada"), Ok(Input::Nick("ada".into())));
        assert_eq!(parse_input("/search release notes"), Ok(Input::Search("release notes".into())));
        assert!(matches!(parse_input("/search"), Err(CommandError::MissingArgument { command: "search", .. })));
        assert!(parse_input("/me").is_err());
        assert_eq!(parse_input("/hex 48 65 6c 6c 6f"), Ok(Input::Hex(b"Hello".to_vec())));
        assert_eq!(parse_input("/hex 00FF"), Ok(Input::Hex(vec![0, 255])));
        assert_eq!(parse_input("/hex 4"), Err(CommandError::BadHex("4".into())));
        assert_eq!(parse_input("/hex zz"), Err(CommandError::BadHex("zz".into())));
        assert_eq!(parse_input("/hex é1"), Err(CommandError::BadHex("é1".into())));
        assert!(parse_input("/join").is_err());
        assert_eq!(parse_input("/part"), Ok(Input::Part(None)));
        assert_eq!(parse_input("/part #a bye"), Ok(Input::Part(Some("#a".into()))));
        assert_eq!(parse_input("/msg bob hi  there"), Ok(Input::Msg { nick: "bob".into(), text: "hi  there".into() }));
        assert!(parse_input("/msg bob").is_err() && parse_input("/msg bob   ").is_err());
        assert_eq!(parse_input("/query bob"), Ok(Input::Query("bob".into())));
        let secret = |line: &str, with: Option<&str>| parse_input(line).is_ok_and(|i| i.holds_secret(with));
        assert!(secret("/msg NickServ IDENTIFY hunter2", None));
        assert!(secret("/MSG nickserv register hunter2 ada@example.org", Some("#chan")));
        assert!(secret("identify hunter2", Some("NickServ")));
        assert!(!secret("identify hunter2", Some("bob")));
        assert!(!secret("identify hunter2", None));
        assert!(!secret("/msg NickServ INFO ada", None));
        assert!(!secret("/join #identify", Some("NickServ")));
        assert_eq!(parse_input("/topic"), Ok(Input::Topic(None)));
        assert_eq!(parse_input("/topic a new one"), Ok(Input::Topic(Some("a new one".into()))));
        assert_eq!(parse_input("/close abc"), Err(CommandError::BadCloseCode("abc".into())));
        assert_eq!(parse_input("/close 99999"), Err(CommandError::BadCloseCode("99999".into())));
        assert_eq!(parse_input("/frobnicate x"), Err(CommandError::Unknown("frobnicate".into())));
        assert_eq!(parse_input("/"), Err(CommandError::Unknown(String::new())));
    }
}
