//! The reference server's rooms: who is in which room, and each member's bounded outgoing queue.
//!
//! A room exists while it has members: the first member creates it, the last one to leave frees
//! it, and at most `max` exist at once. A room holds no buffer of its own; every member has a
//! queue, bounded in messages and in bytes, that the room offers each message to without
//! waiting. A member whose queue is full (it reads more slowly than the room talks) is marked
//! slow and offered nothing more; its connection then closes it. So one reader that never
//! reads can neither stall the room nor make the server hold more than one queue's worth.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::extract::ws::Message;
use tokio::sync::mpsc::error::TrySendError;
use tokio::sync::{mpsc, Notify};

/// Most messages waiting for one member; tokio allocates the queue as it fills, not up front.
pub const QUEUE_MESSAGES: usize = 65_536;

/// Most bytes waiting for one member (payloads plus [`MESSAGE_OVERHEAD`] each). One message
/// is always taken into an empty queue, so a member may hold this plus one message.
pub const QUEUE_BYTES: usize = 8 * 1024 * 1024;

/// What a queued message costs besides its payload (the queue's slot, the shared buffer's header).
const MESSAGE_OVERHEAD: usize = 64;

/// Every room on the server.
pub struct Rooms {
    map: Mutex<HashMap<String, Arc<Room>>>,
    max: usize,
    next_member: AtomicU64,
}

/// One room: its members' queues, by member id.
struct Room {
    members: Mutex<HashMap<u64, Arc<Outbox>>>,
}

/// One member's outgoing queue as the room sees it.
pub struct Outbox {
    tx: mpsc::Sender<Message>,
    /// Bytes waiting in the queue, as counted by [`cost`].
    queued: AtomicUsize,
    slow: AtomicBool,
    kicked: Notify,
}

/// A connection's place in a room; dropping it leaves the room (and frees the room if empty).
pub struct Membership {
    rooms: Arc<Rooms>,
    room: Arc<Room>,
    name: String,
    id: u64,
    outbox: Arc<Outbox>,
}

/// A poisoned lock only means another connection panicked while holding it; the map is still whole.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// What a message counts for in a queue's byte budget.
fn cost(message: &Message) -> usize {
    let payload = match message {
        Message::Text(t) => t.len(),
        Message::Binary(b) | Message::Ping(b) | Message::Pong(b) => b.len(),
        Message::Close(_) => 0,
    };
    payload + MESSAGE_OVERHEAD
}

impl Rooms {
    pub fn new(max: usize) -> Arc<Self> {
        Arc::new(Rooms { map: Mutex::default(), max, next_member: AtomicU64::new(0) })
    }

    /// How many rooms exist now.
    pub fn count(&self) -> usize {
        lock(&self.map).len()
    }

    /// Joins room `name`, creating it if needed; `None` if it does not exist and the server
    /// already has its maximum of rooms. The receiver is the member's queue.
    pub fn join(self: &Arc<Self>, name: &str) -> Option<(Membership, mpsc::Receiver<Message>)> {
        let (tx, rx) = mpsc::channel(QUEUE_MESSAGES);
        let outbox =
            Arc::new(Outbox { tx, queued: AtomicUsize::new(0), slow: AtomicBool::new(false), kicked: Notify::new() });
        let id = self.next_member.fetch_add(1, Ordering::Relaxed);
        let mut map = lock(&self.map);
        let room = match map.get(name) {
            Some(room) => room.clone(),
            None if map.len() >= self.max => return None,
            None => {
                let room = Arc::new(Room { members: Mutex::default() });
                map.insert(name.to_string(), room.clone());
                crate::log!("room {name:?} opened ({} rooms)", map.len());
                room
            }
        };
        // Inserted under the map's lock, so a room is never freed between lookup and join.
        lock(&room.members).insert(id, outbox.clone());
        drop(map);
        let membership = Membership { rooms: self.clone(), room, name: name.to_string(), id, outbox };
        Some((membership, rx))
    }
}

impl Membership {
    pub fn room_name(&self) -> &str {
        &self.name
    }

    /// Offers `message` to every member of the room, the sender included, without waiting for
    /// any of them.
    pub fn broadcast(&self, message: &Message) {
        for outbox in lock(&self.room.members).values() {
            outbox.offer(message);
        }
    }

    /// Takes note that `message` left this member's queue.
    pub fn taken(&self, message: &Message) {
        self.outbox.queued.fetch_sub(cost(message), Ordering::Relaxed);
    }

    /// Whether the room gave up on this member.
    pub fn is_slow(&self) -> bool {
        self.outbox.slow.load(Ordering::Relaxed)
    }

    /// Resolves once the room gives up on this member (at once if it already has).
    pub async fn kicked(&self) {
        if !self.is_slow() {
            self.outbox.kicked.notified().await;
        }
    }

    /// Bytes waiting in this member's queue, for the log.
    pub fn queued_bytes(&self) -> usize {
        self.outbox.queued.load(Ordering::Relaxed)
    }
}

impl Drop for Membership {
    fn drop(&mut self) {
        // The same lock order as `join`: the map, then the room.
        let mut map = lock(&self.rooms.map);
        let empty = {
            let mut members = lock(&self.room.members);
            members.remove(&self.id);
            members.is_empty()
        };
        // Only free the room this membership was in: a room of the same name created later is another.
        if empty && map.get(&self.name).is_some_and(|room| Arc::ptr_eq(room, &self.room)) {
            map.remove(&self.name);
            crate::log!("room {:?} freed ({} rooms)", self.name, map.len());
        }
    }
}

impl Outbox {
    /// Queues `message` unless this member is slow, or becomes slow because its queue is full.
    fn offer(&self, message: &Message) {
        if self.slow.load(Ordering::Relaxed) {
            return;
        }
        let cost = cost(message);
        // Counted before the send so that the reader's subtraction can never come first.
        let before = self.queued.fetch_add(cost, Ordering::Relaxed);
        let full = before > 0 && before + cost > QUEUE_BYTES;
        let refused = full
            || match self.tx.try_send(message.clone()) {
                Ok(()) => false,
                Err(TrySendError::Full(_)) => true,
                // The connection is ending; it leaves the room when it is done.
                Err(TrySendError::Closed(_)) => {
                    self.queued.fetch_sub(cost, Ordering::Relaxed);
                    return;
                }
            };
        if refused {
            self.queued.fetch_sub(cost, Ordering::Relaxed);
            self.slow.store(true, Ordering::Relaxed);
            // notify_one keeps a permit if the connection is not waiting yet: the kick is never missed.
            self.kicked.notify_one();
        }
    }
}
