//! What MQTT reads from the settings: the topics of `channel`, the login, the template.

use super::DEFAULT_TOPIC;
use crate::protocol::json::Template;
use crate::protocol::FormatSettings;
use crate::secret::Secret;

/// A comma-separated list of topics to publish and subscribe to: no wildcards (a message
/// cannot be published to one), no NUL, each within MQTT's 65,535 bytes; `chat/lobby` for none.
pub fn validate_topics(list: &str) -> Result<String, String> {
    let mut topics: Vec<&str> = Vec::new();
    for topic in list.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        if topic.contains(['+', '#', '\0']) {
            return Err(format!(
                "\"{topic}\" is not an MQTT topic a message can be sent to: no + or # wildcards (as in chat/lobby)."
            ));
        }
        if topic.len() > usize::from(u16::MAX) {
            return Err("That MQTT topic is longer than 65,535 bytes.".to_string());
        }
        if !topics.contains(&topic) {
            topics.push(topic);
        }
    }
    Ok(if topics.is_empty() { DEFAULT_TOPIC.to_string() } else { topics.join(",") })
}

/// What MQTT reads from the settings.
#[derive(Clone, Debug, PartialEq)]
pub struct MqttOptions {
    pub nick: String,
    pub topics: Vec<String>,
    /// User name and password, when a login was given (the password may be empty).
    pub login: Option<(String, Secret)>,
    pub template: Template,
    /// The MQTT version asked for first: 5, or 4 for 3.1.1.
    pub protocol_level: u8,
}

impl MqttOptions {
    pub fn from_settings(settings: &FormatSettings) -> Self {
        let topics = validate_topics(&settings.channel).unwrap_or_else(|_| DEFAULT_TOPIC.to_string());
        MqttOptions {
            nick: settings.nick.clone(),
            topics: topics.split(',').map(str::to_string).collect(),
            login: (!settings.login.is_empty())
                .then(|| (settings.login.clone(), settings.password.clone())),
            template: Template::parse(&settings.json_template).unwrap_or_default(),
            protocol_level: 5,
        }
    }
}
