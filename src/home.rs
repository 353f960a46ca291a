//! The data dir's lock: a running `baton serve` holds an exclusive `flock` on `baton.lock` in its data dir
//! for as long as it serves, so a second server, `baton restore` or `baton db vacuum` can tell that the
//! database is in use. The lock goes with the process (even when it is killed), so it never goes stale.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

/// Why the data dir could not be locked.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("a Baton server is running on the data dir {0} (stop it first)")]
    InUse(PathBuf),
    #[error("cannot lock the data dir {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Held while the data dir is in use; dropping it releases the lock.
#[derive(Debug)]
pub struct HomeLock {
    _lock: nix::fcntl::Flock<File>,
}

/// The lock file inside a data dir.
pub fn lock_path(home: &Path) -> PathBuf {
    home.join("baton.lock")
}

/// Takes the data dir's lock without waiting (the dir must exist).
pub fn lock(home: &Path) -> Result<HomeLock, LockError> {
    let path = lock_path(home);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|source| LockError::Io {
            path: path.clone(),
            source,
        })?;
    match nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusiveNonblock) {
        Ok(lock) => Ok(HomeLock { _lock: lock }),
        Err((_, nix::errno::Errno::EWOULDBLOCK)) => Err(LockError::InUse(home.to_path_buf())),
        Err((_, e)) => Err(LockError::Io {
            path,
            source: e.into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_holder_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let held = lock(dir.path()).unwrap();
        assert!(matches!(lock(dir.path()), Err(LockError::InUse(_))));
        drop(held);
        assert!(lock(dir.path()).is_ok());
    }
}
