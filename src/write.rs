//! Atomic output files.
//!
//! Every output is written to a temporary file in the destination folder and
//! renamed over the final name only once it is complete and flushed, so a
//! crash or a full disk never leaves a half-written `assignment.csv` that a
//! platform import could pick up. Rename within one folder is atomic on
//! POSIX file systems. An output path that names one of the inputs is
//! refused before anything is written.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Why an output could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// The operating system refused.
    #[error("cannot write {}", path.display())]
    Io {
        /// The file being written.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// The output would replace an input file.
    #[error("refusing to overwrite the input file {}", path.display())]
    WouldOverwriteInput {
        /// The output path that names an input.
        path: PathBuf,
    },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> WriteError + '_ {
    move |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Creates `dir` (and its parents) when missing.
///
/// # Errors
/// [`WriteError::Io`] when the folder cannot be created.
pub fn ensure_dir(dir: &Path) -> Result<(), WriteError> {
    fs::create_dir_all(dir).map_err(io_err(dir))
}

/// Refuses `out` when it is the same file as any of `inputs`.
///
/// # Errors
/// [`WriteError::WouldOverwriteInput`].
pub fn check_not_input(out: &Path, inputs: &[&Path]) -> Result<(), WriteError> {
    let Ok(out_c) = fs::canonicalize(out) else {
        // The output does not exist yet, so it cannot be an input.
        return Ok(());
    };
    for input in inputs {
        if fs::canonicalize(input).is_ok_and(|c| c == out_c) {
            return Err(WriteError::WouldOverwriteInput {
                path: out.to_path_buf(),
            });
        }
    }
    Ok(())
}

/// Writes `path` atomically: `body` fills a temporary sibling file, which is
/// flushed, synced and renamed over `path`. On any error the temporary file
/// is removed and `path` is left as it was.
///
/// # Errors
/// [`WriteError::Io`] naming `path`.
pub fn write_atomic(
    path: &Path,
    body: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), WriteError> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| -> io::Result<()> {
        let file = File::create(&tmp)?;
        let mut w = BufWriter::with_capacity(1 << 20, file);
        body(&mut w)?;
        let file = w.into_inner().map_err(io::IntoInnerError::into_error)?;
        file.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(io_err(path)(e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_write_leaves_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.csv");
        write_atomic(&p, |w| w.write_all(b"old")).unwrap();
        let err = write_atomic(&p, |w| {
            w.write_all(b"partial")?;
            Err(io::Error::other("boom"))
        });
        assert!(err.is_err());
        assert_eq!(fs::read(&p).unwrap(), b"old");
        // No temporary file is left behind.
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn refuses_to_overwrite_input() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("h.geojson");
        fs::write(&p, "{}").unwrap();
        assert!(check_not_input(&p, &[&p]).is_err());
        assert!(check_not_input(&dir.path().join("x"), &[&p]).is_ok());
    }
}
