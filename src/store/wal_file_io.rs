//! The files of the WAL layer ([`super`]): what a WAL file holds, when it writes it, and every other method
//! passed on to the default VFS's file.

use super::{count, real_vfs, FRAME_HEADER, HOLD_MAX, KEEP, PIECE};
use rusqlite::ffi;
use std::ffi::{c_int, c_void};

/// One open file: this layer's part, then the default VFS's file at [`REAL_AT`].
#[repr(C)]
pub(super) struct File {
    base: ffi::sqlite3_file,
    /// The methods `base` points to: the default file's, through this module.
    methods: ffi::sqlite3_io_methods,
    real: *mut ffi::sqlite3_file,
    /// The held run of a WAL file; null for every other file.
    held: *mut Held,
    /// A database file's WAL, opened through this layer too (null if none).
    wal: *mut File,
    /// A WAL file's database file (null when it is not one of ours, or closed).
    db: *mut File,
}

/// Where the default VFS's file starts within ours (8-byte aligned).
pub(super) const REAL_AT: usize = std::mem::size_of::<File>().div_ceil(8) * 8;

type Write = unsafe extern "C" fn(*mut ffi::sqlite3_file, *const c_void, c_int, i64) -> c_int;

/// Bytes appended to a WAL file and not yet passed on.
#[derive(Default)]
pub(super) struct Held {
    /// The file offset of `bytes[0]`.
    pub(super) start: i64,
    pub(super) bytes: Vec<u8>,
    /// The last write was a commit frame's header: the next one (its page) ends the commit.
    commit_page_next: bool,
    /// The end of the furthest write since the WAL's header was written or the write lock released: a write
    /// before it rewrites a frame of the current transaction.
    high: i64,
    /// A commit's page was written: what follows until the write lock is released (the padding frames
    /// SQLite adds under `synchronous=FULL` on some disks) goes out at once.
    committed: bool,
}

impl Held {
    /// Adds a write at `offset`; false when it does not continue the run (which must be written first).
    pub(super) fn add(&mut self, data: &[u8], offset: i64) -> bool {
        if self.bytes.is_empty() {
            self.start = offset;
        } else if self.start + self.bytes.len() as i64 != offset {
            return false;
        }
        self.bytes.extend_from_slice(data);
        true
    }

    /// Whether the run must be written now, after `data` was added.
    pub(super) fn ends_here(&mut self, data: &[u8]) -> bool {
        let commit = std::mem::replace(
            &mut self.commit_page_next,
            data.len() == FRAME_HEADER && data[4..8] != [0; 4],
        );
        self.committed |= commit;
        commit || self.bytes.len() >= HOLD_MAX
    }

    /// Passes the run on (in pieces the default VFS accepts) and empties it.
    ///
    /// # Safety
    /// `real` is the open file `write` writes.
    unsafe fn flush(&mut self, real: *mut ffi::sqlite3_file, write: Write) -> c_int {
        let mut rc = ffi::SQLITE_OK;
        for (i, piece) in self.bytes.chunks(PIECE).enumerate() {
            count(0, 1);
            let at = self.start + (i * PIECE) as i64;
            rc = write(
                real,
                piece.as_ptr() as *const c_void,
                piece.len() as c_int,
                at,
            );
            if rc != ffi::SQLITE_OK {
                break;
            }
        }
        self.bytes.clear();
        self.bytes.shrink_to(KEEP);
        rc
    }
}

pub(super) unsafe extern "C" fn open(
    vfs: *mut ffi::sqlite3_vfs,
    name: ffi::sqlite3_filename,
    file: *mut ffi::sqlite3_file,
    flags: c_int,
    out_flags: *mut c_int,
) -> c_int {
    let base = real_vfs(vfs);
    let f = file as *mut File;
    let real = (file as *mut u8).add(REAL_AT) as *mut ffi::sqlite3_file;
    std::ptr::write_bytes(file as *mut u8, 0, REAL_AT);
    (*f).real = real;
    let Some(x_open) = (*base).xOpen else {
        return ffi::SQLITE_CANTOPEN;
    };
    let rc = x_open(base, name, real, flags, out_flags);
    let rm = (*real).pMethods;
    if rm.is_null() {
        return rc;
    }
    let m = &*rm;
    (*f).methods = ffi::sqlite3_io_methods {
        iVersion: m.iVersion,
        xClose: Some(close),
        xRead: m.xRead.map(|_| read as _),
        xWrite: m.xWrite.map(|_| write as _),
        xTruncate: m.xTruncate.map(|_| truncate as _),
        xSync: m.xSync.map(|_| sync as _),
        xFileSize: m.xFileSize.map(|_| file_size as _),
        xLock: m.xLock.map(|_| lock as _),
        xUnlock: m.xUnlock.map(|_| unlock as _),
        xCheckReservedLock: m.xCheckReservedLock.map(|_| reserved as _),
        xFileControl: m.xFileControl.map(|_| file_control as _),
        xSectorSize: m.xSectorSize.map(|_| sector_size as _),
        xDeviceCharacteristics: m.xDeviceCharacteristics.map(|_| characteristics as _),
        xShmMap: m.xShmMap.map(|_| shm_map as _),
        xShmLock: m.xShmLock.map(|_| shm_lock as _),
        xShmBarrier: m.xShmBarrier.map(|_| shm_barrier as _),
        xShmUnmap: m.xShmUnmap.map(|_| shm_unmap as _),
        xFetch: m.xFetch.map(|_| fetch as _),
        xUnfetch: m.xUnfetch.map(|_| unfetch as _),
    };
    if rc == ffi::SQLITE_OK && flags & ffi::SQLITE_OPEN_WAL != 0 {
        (*f).held = Box::into_raw(Box::<Held>::default());
        // The database file, to write what is held before SQLite publishes a commit through it.
        let db = ffi::sqlite3_database_file_object(name) as *mut File;
        if !db.is_null() && std::ptr::eq((*db).base.pMethods, std::ptr::addr_of!((*db).methods)) {
            (*db).wal = f;
            (*f).db = db;
        }
    }
    (*f).base.pMethods = &(*f).methods;
    rc
}

/// The default VFS's file and its methods.
///
/// # Safety
/// `p` is a file [`open`] opened and SQLite has not closed.
unsafe fn parts<'a>(
    p: *mut ffi::sqlite3_file,
) -> (*mut ffi::sqlite3_file, &'a ffi::sqlite3_io_methods) {
    let real = (*(p as *mut File)).real;
    (real, &*(*real).pMethods)
}

/// Writes the held run of a WAL file, if any.
///
/// # Safety
/// As [`parts`].
unsafe fn flush(p: *mut ffi::sqlite3_file) -> c_int {
    let held = (*(p as *mut File)).held;
    if held.is_null() || (*held).bytes.is_empty() {
        return ffi::SQLITE_OK;
    }
    let (real, m) = parts(p);
    match m.xWrite {
        Some(w) => (*held).flush(real, w),
        None => ffi::SQLITE_IOERR_WRITE,
    }
}

unsafe extern "C" fn write(
    p: *mut ffi::sqlite3_file,
    buf: *const c_void,
    amount: c_int,
    offset: i64,
) -> c_int {
    let held = (*(p as *mut File)).held;
    let (real, m) = parts(p);
    let Some(x_write) = m.xWrite else {
        return ffi::SQLITE_IOERR_WRITE;
    };
    if held.is_null() || amount <= 0 {
        return x_write(real, buf, amount, offset);
    }
    count(1, 0);
    let h = &mut *held;
    if offset == 0 {
        // The WAL's header: the log starts over, and every frame after it is appended anew.
        let rc = h.flush(real, x_write);
        if rc != ffi::SQLITE_OK {
            return rc;
        }
        h.high = 0;
        h.committed = false;
    }
    let end = offset + i64::from(amount);
    if offset < h.high || h.committed {
        // A frame of this transaction written again (a page changed after a spill, or a checksum
        // rewritten before the commit), or a write after the commit: passed on at once, after what is held.
        let rc = h.flush(real, x_write);
        if rc != ffi::SQLITE_OK {
            return rc;
        }
        h.high = h.high.max(end);
        count(0, 1);
        return x_write(real, buf, amount, offset);
    }
    h.high = end;
    let data = std::slice::from_raw_parts(buf as *const u8, amount as usize);
    if !h.add(data, offset) {
        let rc = h.flush(real, x_write);
        if rc != ffi::SQLITE_OK {
            return rc;
        }
        h.add(data, offset);
    }
    if h.ends_here(data) {
        return h.flush(real, x_write);
    }
    ffi::SQLITE_OK
}

unsafe extern "C" fn close(p: *mut ffi::sqlite3_file) -> c_int {
    let flushed = flush(p);
    let f = p as *mut File;
    let (real, m) = parts(p);
    let rc = m.xClose.map_or(ffi::SQLITE_OK, |c| c(real));
    if !(*f).held.is_null() {
        drop(Box::from_raw((*f).held));
        (*f).held = std::ptr::null_mut();
    }
    if !(*f).db.is_null() {
        (*(*f).db).wal = std::ptr::null_mut();
    }
    if !(*f).wal.is_null() {
        (*(*f).wal).db = std::ptr::null_mut();
    }
    if flushed != ffi::SQLITE_OK {
        flushed
    } else {
        rc
    }
}

/// Forwards a method to the default VFS's file, after writing the held run when `$flush`.
macro_rules! forward {
    ($name:ident, $field:ident, $flush:expr, ($($arg:ident: $ty:ty),*) -> $ret:ty, $missing:expr) => {
        unsafe extern "C" fn $name(p: *mut ffi::sqlite3_file $(, $arg: $ty)*) -> $ret {
            if $flush {
                let rc = flush(p);
                if rc != ffi::SQLITE_OK {
                    return rc;
                }
            }
            let (real, m) = parts(p);
            match m.$field {
                Some(f) => f(real $(, $arg)*),
                None => $missing,
            }
        }
    };
}

forward!(read, xRead, true, (buf: *mut c_void, amount: c_int, offset: i64) -> c_int, ffi::SQLITE_IOERR_READ);
forward!(truncate, xTruncate, true, (size: i64) -> c_int, ffi::SQLITE_IOERR_TRUNCATE);
forward!(sync, xSync, true, (flags: c_int) -> c_int, ffi::SQLITE_IOERR_FSYNC);
forward!(file_size, xFileSize, true, (size: *mut i64) -> c_int, ffi::SQLITE_IOERR_FSTAT);
forward!(lock, xLock, true, (level: c_int) -> c_int, ffi::SQLITE_OK);
forward!(reserved, xCheckReservedLock, false, (out: *mut c_int) -> c_int, ffi::SQLITE_OK);
forward!(file_control, xFileControl, true, (op: c_int, arg: *mut c_void) -> c_int, ffi::SQLITE_NOTFOUND);
forward!(sector_size, xSectorSize, false, () -> c_int, 4096);
forward!(characteristics, xDeviceCharacteristics, false, () -> c_int, 0);
forward!(shm_map, xShmMap, false, (page: c_int, size: c_int, extend: c_int, out: *mut *mut c_void) -> c_int,
    ffi::SQLITE_IOERR_SHMMAP);
forward!(shm_unmap, xShmUnmap, false, (delete: c_int) -> c_int, ffi::SQLITE_OK);
forward!(fetch, xFetch, true, (offset: i64, amount: c_int, out: *mut *mut c_void) -> c_int, {
    *out = std::ptr::null_mut();
    ffi::SQLITE_OK
});
forward!(unfetch, xUnfetch, false, (offset: i64, page: *mut c_void) -> c_int, ffi::SQLITE_OK);

/// Writes what a database file's WAL holds (SQLite takes no error from the methods that call this).
unsafe fn flush_wal_of(p: *mut ffi::sqlite3_file) {
    let wal = (*(p as *mut File)).wal;
    if !wal.is_null() {
        let _ = flush(wal as *mut ffi::sqlite3_file);
    }
}

/// A database file's lock released: in exclusive locking mode SQLite keeps the WAL-index locks and
/// releases this one instead.
unsafe extern "C" fn unlock(p: *mut ffi::sqlite3_file, level: c_int) -> c_int {
    flush_wal_of(p);
    let rc = flush(p);
    if rc != ffi::SQLITE_OK {
        return rc;
    }
    let (real, m) = parts(p);
    m.xUnlock.map_or(ffi::SQLITE_OK, |f| f(real, level))
}

/// SQLite publishes a commit to readers by writing the WAL index's header twice with this barrier between:
/// whatever the WAL file still holds goes to the file first. A commit's run was already written with its
/// commit page (where a failure is reported); this covers any commit that does not end that way.
unsafe extern "C" fn shm_barrier(p: *mut ffi::sqlite3_file) {
    flush_wal_of(p);
    let (real, m) = parts(p);
    if let Some(f) = m.xShmBarrier {
        f(real)
    }
}

/// SQLite's index of its WAL-index locks that is the write lock (`WAL_WRITE_LOCK`).
const WRITE_LOCK: c_int = 0;

/// Releasing a lock of the WAL index (the write lock among them) first writes what the WAL file holds,
/// such as the frames a rolled-back transaction spilled: nothing is held once another writer may append.
/// The write lock's release also ends the transaction's frames: the next one's are all appended anew.
unsafe extern "C" fn shm_lock(
    p: *mut ffi::sqlite3_file,
    offset: c_int,
    n: c_int,
    flags: c_int,
) -> c_int {
    if flags & ffi::SQLITE_SHM_UNLOCK != 0 {
        flush_wal_of(p);
        let wal = (*(p as *mut File)).wal;
        if offset == WRITE_LOCK && !wal.is_null() && !(*wal).held.is_null() {
            let h = &mut *(*wal).held;
            h.high = 0;
            h.committed = false;
        }
    }
    let (real, m) = parts(p);
    match m.xShmLock {
        Some(f) => f(real, offset, n, flags),
        None => ffi::SQLITE_IOERR_SHMLOCK,
    }
}
