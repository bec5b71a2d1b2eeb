//! Writing output files safely: each file is written to a temporary file in the target
//! folder and renamed into place only when complete, so a failed export never leaves a
//! half-written file or destroys the previous good one.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Writes `bytes` to `target` atomically (temporary file, flush, rename).
pub fn write_atomic(target: &Path, bytes: &[u8]) -> Result<()> {
    let dir = target
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let mut file = File::create(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&temp, target)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&temp);
        return Err(Error::io(target, e));
    }
    Ok(())
}

/// Picks `stem.ext` in `dir`, or `stem-2.ext`, `stem-3.ext`... when an earlier document of
/// the same run already took the name.
pub fn unique_path(dir: &Path, stem: &str, ext: &str, taken: &mut Vec<PathBuf>) -> PathBuf {
    let mut n = 1;
    loop {
        let name = if n == 1 {
            format!("{stem}.{ext}")
        } else {
            format!("{stem}-{n}.{ext}")
        };
        let path = dir.join(name);
        if !taken.contains(&path) {
            taken.push(path.clone());
            return path;
        }
        n += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp() {
        let dir = std::env::temp_dir().join(format!("folio-out-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let target = dir.join("a.pdf");
        write_atomic(&target, b"one").unwrap();
        write_atomic(&target, b"two").unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"two");
        let names: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
        // A target in a missing folder fails and leaves nothing behind.
        assert!(write_atomic(&dir.join("missing/b.pdf"), b"x").is_err());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn names_are_unique_within_a_run() {
        let mut taken = Vec::new();
        let d = Path::new("out");
        assert_eq!(unique_path(d, "a", "pdf", &mut taken), d.join("a.pdf"));
        assert_eq!(unique_path(d, "a", "pdf", &mut taken), d.join("a-2.pdf"));
        assert_eq!(unique_path(d, "a", "epub", &mut taken), d.join("a.epub"));
    }
}
