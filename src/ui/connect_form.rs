//! The connect form: URL, nick, wire format, subprotocols, Connect and Disconnect.

use leptos::prelude::*;
use wschat_core::protocol::ProtocolKind;
use wschat_core::settings::Settings;

use crate::session::ChatSession;
use crate::socket::ReadyState;

#[component]
pub fn ConnectForm(session: ChatSession) -> impl IntoView {
    let initial = session.settings.get_untracked();
    let url = RwSignal::new(initial.url.clone());
    let nick = RwSignal::new(initial.nick.clone());
    let protocol = RwSignal::new(initial.protocol);
    let subprotocols = RwSignal::new(initial.subprotocols.clone());
    let channel = RwSignal::new(initial.channel.clone());
    let json_template = RwSignal::new(initial.json_template.clone());
    let send_prefix = RwSignal::new(initial.send_prefix.clone());
    let login = RwSignal::new(initial.login.clone());
    // Typed for this page only: it goes into the settings in memory, never into storage or a link.
    let password = RwSignal::new(initial.password.clone());
    let state = session.socket.ready_state();
    // The format `auto` found shows in the menu, with the channels and subprotocols it took.
    Effect::new(move |before: Option<ProtocolKind>| {
        let now = session.settings.with(|s| s.protocol);
        if before.is_some_and(|b| b != now) && before.is_some_and(ProtocolKind::finds_format) {
            session.settings.with_untracked(|s| {
                protocol.set(s.protocol);
                channel.set(s.channel.clone());
            });
        }
        now
    });

    let connect = move || {
        let current = session.settings.get_untracked();
        session.connect(Settings {
            url: url.get_untracked(),
            nick: nick.get_untracked(),
            protocol: protocol.get_untracked(),
            subprotocols: subprotocols.get_untracked(),
            channel: channel.get_untracked(),
            json_template: json_template.get_untracked(),
            send_prefix: send_prefix.get_untracked(),
            login: login.get_untracked().trim().to_string(),
            password: password.get_untracked(),
            ..current
        });
    };

    view! {
        <form
            class="connect"
            aria-label="Connection"
            on:submit=move |ev| {
                ev.prevent_default();
                connect();
            }
        >
            <TextField label="Server" testid="url-input" value=url placeholder="ws://host:port/path" />
            <TextField label="Nick" testid="nick-input" value=nick placeholder="your nickname" />
            <label>
                "Format"
                <select
                    data-testid="protocol-select"
                    on:change=move |ev| {
                        if let Ok(kind) = event_target_value(&ev).parse::<ProtocolKind>() {
                            // Left as the old format's default, the field takes the new one's
                            // (IRC offers text.ircv3.net); what the person typed stays.
                            let old_default = protocol.get_untracked().default_subprotocols().join(",");
                            if subprotocols.with_untracked(|s| s.trim() == old_default) {
                                subprotocols.set(kind.default_subprotocols().join(","));
                            }
                            // The same for the channel left at the old format's default
                            // (IRC's #chat is no MQTT topic).
                            let old_channel = protocol.get_untracked().default_channel();
                            if channel.with_untracked(|c| c.trim() == old_channel) {
                                channel.set(kind.default_channel().to_string());
                            }
                            protocol.set(kind);
                        }
                    }
                >
                    {ProtocolKind::ALL
                        .into_iter()
                        .map(|kind| {
                            view! {
                                <option value=kind.as_str() selected=move || protocol.get() == kind>
                                    {kind.label()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
            <Show when=move || protocol.get().reads("channel")>
                <TextField label="Channel" testid="channel-input" value=channel placeholder="#chat, chat/lobby" />
            </Show>
            <Show when=move || protocol.get().reads("login")>
                <TextField label="Login" testid="login-input" value=login placeholder="account, if the server wants one" />
                <TextField
                    label="Password"
                    testid="password-input"
                    value=password
                    placeholder="not stored"
                    kind="password"
                    autocomplete="current-password"
                />
            </Show>
            <Show when=move || protocol.get().reads("template")>
                <TextField
                    label="JSON template"
                    testid="json-template-input"
                    value=json_template
                    placeholder=r#"{"nick": <nick>, "text": <text>}"#
                />
            </Show>
            <Show when=move || protocol.get().reads("send_prefix")>
                <TextField
                    label="Send prefix"
                    testid="send-prefix-input"
                    value=send_prefix
                    placeholder="none; /app for Spring"
                />
            </Show>
            <TextField
                label="Subprotocols"
                testid="subprotocols-input"
                value=subprotocols
                placeholder="none (comma-separated)"
            />
            <button data-testid="connect-button" type="submit">
                {move || if matches!(state.get(), ReadyState::Open | ReadyState::Connecting) { "Reconnect" } else { "Connect" }}
            </button>
            <button
                data-testid="disconnect-button"
                type="button"
                // A reconnect in waiting, or an opening waiting for stored lines or a format's
                // code, is a connection the person may still call off.
                disabled=move || {
                    matches!(state.get(), ReadyState::Closed | ReadyState::Closing)
                        && session.reconnect.with(Option::is_none)
                        && session.opening.with(Option::is_none)
                }
                on:click=move |_| session.disconnect(Some(1000), "user disconnected")
            >
                "Disconnect"
            </button>
            <a
                class="permalink"
                data-testid="permalink"
                href=move || format!("?{}", session.settings.with(Settings::to_shared_query))
                title="A link that opens this connection with these settings (passwords and tokens masked)"
            >
                "Link to this connection"
            </a>
        </form>
    }
}

/// A labelled one-line text input bound to a signal.
#[component]
fn TextField(
    label: &'static str,
    testid: &'static str,
    value: RwSignal<String>,
    placeholder: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(default = "off")] autocomplete: &'static str,
) -> impl IntoView {
    view! {
        <label>
            {label}
            <input
                data-testid=testid
                type=kind
                spellcheck="false"
                autocomplete=autocomplete
                placeholder=placeholder
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            />
        </label>
    }
}
