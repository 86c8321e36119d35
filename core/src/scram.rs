//! SCRAM-SHA-1 (RFC 5802) for SASL, on SHA-1, HMAC and PBKDF2 written here (tested against
//! the RFCs' vectors): the client's side of the exchange, without channel binding.

/// SHA-1 of `data` (RFC 3174).
pub fn sha1(data: &[u8]) -> [u8; 20] {
    let mut h: [u32; 5] = [0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0];
    let mut message = data.to_vec();
    let bits = (data.len() as u64).wrapping_mul(8);
    message.push(0x80);
    while message.len() % 64 != 56 {
        message.push(0);
    }
    message.extend_from_slice(&bits.to_be_bytes());
    for block in message.chunks_exact(64) {
        let mut w = [0u32; 80];
        for (i, word) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (i, word) in w.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5A82_7999),
                20..=39 => (b ^ c ^ d, 0x6ED9_EBA1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC),
                _ => (b ^ c ^ d, 0xCA62_C1D6),
            };
            let t = a.rotate_left(5).wrapping_add(f).wrapping_add(e).wrapping_add(k).wrapping_add(*word);
            (e, d, c, b, a) = (d, c, b.rotate_left(30), a, t);
        }
        for (total, part) in h.iter_mut().zip([a, b, c, d, e]) {
            *total = total.wrapping_add(part);
        }
    }
    let mut out = [0u8; 20];
    for (chunk, word) in out.chunks_exact_mut(4).zip(h) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    out
}

/// HMAC-SHA-1 (RFC 2104).
pub fn hmac_sha1(key: &[u8], message: &[u8]) -> [u8; 20] {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..20].copy_from_slice(&sha1(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let inner: Vec<u8> = block.iter().map(|b| b ^ 0x36).chain(message.iter().copied()).collect();
    let outer: Vec<u8> = block.iter().map(|b| b ^ 0x5c).chain(sha1(&inner)).collect();
    sha1(&outer)
}

/// PBKDF2 with HMAC-SHA-1, one block (what SCRAM-SHA-1 needs: 20 bytes).
pub fn pbkdf2_sha1(password: &[u8], salt: &[u8], iterations: u32) -> [u8; 20] {
    let mut u = hmac_sha1(password, &[salt, &1u32.to_be_bytes()].concat());
    let mut out = u;
    for _ in 1..iterations {
        u = hmac_sha1(password, &u);
        for (o, x) in out.iter_mut().zip(u) {
            *o ^= x;
        }
    }
    out
}

/// The most iterations a server may ask for: beyond it the client would freeze the page.
pub const MAX_ITERATIONS: u32 = 100_000;

/// The client's side of one SCRAM-SHA-1 exchange. Its `Debug` shows no password.
#[derive(Clone, Debug)]
pub struct Scram {
    password: crate::secret::Secret,
    client_first_bare: String,
    nonce: String,
    /// The server's signature the final message must carry, once the proof is sent.
    server_signature: Option<[u8; 20]>,
}

impl Scram {
    /// The exchange for `user` with a client `nonce` (printable, no comma); the first message
    /// is [`Scram::client_first`].
    pub fn new(user: &str, password: &str, nonce: &str) -> Self {
        let user = user.replace('=', "=3D").replace(',', "=2C");
        Scram {
            password: crate::secret::Secret::new(password),
            client_first_bare: format!("n={user},r={nonce}"),
            nonce: nonce.to_string(),
            server_signature: None,
        }
    }

    pub fn client_first(&self) -> String {
        format!("n,,{}", self.client_first_bare)
    }

    /// The answer to the server's first message: the client's final message with its proof.
    pub fn client_final(&mut self, server_first: &str) -> Result<String, &'static str> {
        // One exchange answers one challenge: a server asking again gets no second PBKDF2 run.
        if self.server_signature.is_some() {
            return Err("a second challenge");
        }
        let field =
            |name: char| server_first.split(',').find_map(|f| f.strip_prefix(name).and_then(|f| f.strip_prefix('=')));
        let nonce = field('r').ok_or("no nonce")?;
        if !nonce.starts_with(&self.nonce) {
            return Err("the server's nonce does not extend ours");
        }
        let salt = crate::protocol::base64_decode(field('s').ok_or("no salt")?).ok_or("a bad salt")?;
        let iterations: u32 = field('i').and_then(|i| i.parse().ok()).ok_or("no iteration count")?;
        if iterations == 0 || iterations > MAX_ITERATIONS {
            return Err("an iteration count out of bounds");
        }
        let salted = pbkdf2_sha1(self.password.expose().as_bytes(), &salt, iterations);
        let client_key = hmac_sha1(&salted, b"Client Key");
        let stored_key = sha1(&client_key);
        let without_proof = format!("c=biws,r={nonce}");
        let auth_message = format!("{},{server_first},{without_proof}", self.client_first_bare);
        let signature = hmac_sha1(&stored_key, auth_message.as_bytes());
        let proof: Vec<u8> = client_key.iter().zip(signature).map(|(k, s)| k ^ s).collect();
        let server_key = hmac_sha1(&salted, b"Server Key");
        self.server_signature = Some(hmac_sha1(&server_key, auth_message.as_bytes()));
        Ok(format!("{without_proof},p={}", crate::protocol::base64(&proof)))
    }

    /// Whether the server's final message proves it knew the password too.
    pub fn verify(&self, server_final: &str) -> bool {
        let Some(expected) = self.server_signature else { return false };
        server_final
            .strip_prefix("v=")
            .and_then(crate::protocol::base64_decode)
            .is_some_and(|signature| signature == expected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::protocol::hex;

    #[test]
    fn sha1_hmac_and_pbkdf2_match_their_rfcs() {
        assert_eq!(hex(&sha1(b"abc")), "a9993e364706816aba3e25717850c26c9cd0d89d");
        assert_eq!(hex(&sha1(b"")), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
        let long = b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
        assert_eq!(hex(&sha1(long)), "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
        assert_eq!(
            hex(&hmac_sha1(b"key", b"The quick brown fox jumps over the lazy dog")),
            "de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9"
        );
        // RFC 6070.
        assert_eq!(hex(&pbkdf2_sha1(b"password", b"salt", 1)), "0c60c80f961f0e71f3a9b524af6012062fe037a6");
        assert_eq!(hex(&pbkdf2_sha1(b"password", b"salt", 4096)), "4b007901b765489abead49d926f721d065a429c1");
    }

    #[test]
    fn the_rfc_5802_exchange() {
        let mut scram = Scram::new("user", "pencil", "fyko+d2lbbFgONRv9qkxdawL");
        assert_eq!(scram.client_first(), "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL");
        let server_first = "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096";
        assert_eq!(
            scram.client_final(server_first).as_deref(),
            Ok("c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=")
        );
        assert!(scram.verify("v=rmF9pqV8S7suAoZWja4dJRkFsKQ="));
        assert!(!scram.verify("v=AAAA"));
        assert_eq!(scram.client_final(server_first), Err("a second challenge"), "PBKDF2 runs once");
        assert!(!format!("{scram:?}").contains("pencil"), "{scram:?}");
        let mut other = Scram::new("user", "pencil", "abc");
        assert!(other.client_final("r=xyz,s=QSXCR+Q6sek8bf92,i=4096").is_err(), "a nonce not ours");
        assert!(other.client_final("r=abcd,s=QSXCR+Q6sek8bf92,i=999999999").is_err(), "too many iterations");
    }
}
