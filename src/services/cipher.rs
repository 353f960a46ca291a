//! Block data at rest: sealed with ChaCha20-Poly1305 (an AEAD: a changed or truncated value fails to open
//! instead of reading as garbage) under a key kept outside the database, in a file of its own (created on
//! first start, mode 0600; several replicas on one database share it through `BATON_SECRETS_KEY_FILE`).

use base64::Engine;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use std::io::Write;
use std::path::Path;

/// Seals and opens block data.
pub struct Cipher {
    aead: ChaCha20Poly1305,
}

/// Why sealed data could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum CipherError {
    #[error("the stored block data is damaged or was sealed with another key (is BATON_SECRETS_KEY_FILE the one this database was written with?)")]
    Open,
}

const NONCE_LEN: usize = 12;

impl std::fmt::Debug for Cipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Cipher(key hidden)")
    }
}

impl Cipher {
    /// The key in `path`, which is created (mode 0600) with a new random key when it does not exist.
    pub fn load_or_create(path: &Path) -> anyhow::Result<Cipher> {
        use anyhow::Context;
        if !path.exists() {
            let key = ChaCha20Poly1305::generate_key(&mut OsRng);
            let text = base64::engine::general_purpose::STANDARD.encode(key);
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
            match opts.open(path) {
                Ok(mut f) => {
                    f.write_all(format!("{text}\n").as_bytes())
                        .and_then(|_| f.sync_all())
                        .with_context(|| {
                            format!("cannot write the secrets key {}", path.display())
                        })?;
                }
                // Another replica created it first: read theirs.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => {
                    return Err(e).with_context(|| {
                        format!("cannot create the secrets key {}", path.display())
                    })
                }
            }
        }
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the secrets key {}", path.display()))?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .ok()
            .filter(|b| b.len() == 32)
            .with_context(|| {
                format!(
                    "the secrets key {} is not 32 bytes of base64 (was it edited?)",
                    path.display()
                )
            })?;
        Ok(Cipher::from_key(&bytes))
    }

    /// A cipher with a new random key that lives as long as the process (tests, tools that hold no
    /// blocks).
    pub fn ephemeral() -> Cipher {
        Cipher::from_key(&ChaCha20Poly1305::generate_key(&mut OsRng))
    }

    fn from_key(bytes: &[u8]) -> Cipher {
        Cipher {
            aead: ChaCha20Poly1305::new(Key::from_slice(bytes)),
        }
    }

    /// `plaintext` sealed under a fresh random nonce: nonce ‖ ciphertext ‖ tag.
    pub fn seal(&self, plaintext: &[u8]) -> Vec<u8> {
        let nonce = ChaCha20Poly1305::generate_nonce(&mut OsRng);
        let mut out = nonce.to_vec();
        // Encryption of an in-memory buffer fails only past ~256 GiB.
        out.extend(self.aead.encrypt(&nonce, plaintext).unwrap_or_default());
        out
    }

    /// The plaintext of what [`Cipher::seal`] made.
    pub fn open(&self, sealed: &[u8]) -> Result<Vec<u8>, CipherError> {
        if sealed.len() < NONCE_LEN {
            return Err(CipherError::Open);
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        self.aead
            .decrypt(Nonce::from_slice(nonce), body)
            .map_err(|_| CipherError::Open)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_opens_and_refuses_tampering_or_another_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secrets.key");
        let c = Cipher::load_or_create(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let sealed = c.seal(b"s3cr3t");
        assert!(!sealed.windows(6).any(|w| w == b"s3cr3t"));
        assert_eq!(c.open(&sealed).unwrap(), b"s3cr3t");
        let again = Cipher::load_or_create(&path).unwrap();
        assert_eq!(again.open(&sealed).unwrap(), b"s3cr3t", "the same key file");
        let mut bad = sealed.clone();
        *bad.last_mut().unwrap() ^= 1;
        assert!(again.open(&bad).is_err());
        assert!(Cipher::ephemeral().open(&sealed).is_err());
        std::fs::write(&path, "short").unwrap();
        assert!(Cipher::load_or_create(&path).is_err());
    }
}
