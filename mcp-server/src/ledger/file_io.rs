//! The file operations the embedded log needs, on every platform the server ships for:
//! whole-file locks shared between processes, and reads and writes at an offset.
//!
//! Locks are std's (`File::lock`, `flock(2)` on Unix, `LockFileEx` on Windows), so a server of
//! any version that locked with `flock` still excludes this one. Positional I/O is `pread`/
//! `pwrite` on Unix; on Windows `seek_read`/`seek_write` may transfer less than asked, so they
//! are looped until the whole buffer is done.

use std::fs::File;
use std::io;

/// Holds a lock on a file for as long as it lives.
pub struct FileLock<'a>(&'a File);

impl<'a> FileLock<'a> {
    /// Waits for the lock: exclusive for writers, shared for readers.
    pub fn take(file: &'a File, exclusive: bool) -> io::Result<Self> {
        if exclusive {
            file.lock()?;
        } else {
            file.lock_shared()?;
        }
        Ok(FileLock(file))
    }
}

impl Drop for FileLock<'_> {
    fn drop(&mut self) {
        // Closing the file would release it too; an unlock failure leaves nothing to fix.
        let _ = self.0.unlock();
    }
}

#[cfg(unix)]
pub fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(unix)]
pub fn write_all_at(file: &File, buf: &[u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, buf, offset)
}

#[cfg(windows)]
pub fn read_exact_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match file.seek_read(buf, offset)? {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
        }
    }
    Ok(())
}

#[cfg(windows)]
pub fn write_all_at(file: &File, mut buf: &[u8], mut offset: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match file.seek_write(buf, offset)? {
            0 => return Err(io::ErrorKind::WriteZero.into()),
            n => {
                buf = &buf[n..];
                offset += n as u64;
            }
        }
    }
    Ok(())
}
