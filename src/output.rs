//! Writing output files safely: each file is written to a temporary file in the target
//! folder and renamed into place only when complete, so a failed export never leaves a
//! half-written file or destroys the previous good one.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Writes `bytes` to `target` atomically (temporary file, flush, rename). The temporary file
/// is created new (never opened through a link planted under its name) in the target's folder,
/// and removed when anything fails.
pub fn write_atomic(target: &Path, bytes: &[u8]) -> Result<()> {
    let dir = target
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (temp, mut file) = create_temp(dir, &name).map_err(|e| Error::io(target, e))?;
    let result = (|| -> std::io::Result<()> {
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

/// Creates `.name.PID.tmp` (or `.name.PID-N.tmp` when that name is taken) in `dir`, failing
/// rather than following anything already there.
fn create_temp(dir: &Path, name: &str) -> std::io::Result<(PathBuf, File)> {
    let pid = std::process::id();
    let mut n = 0u32;
    loop {
        let temp = if n == 0 {
            dir.join(format!(".{name}.{pid}.tmp"))
        } else {
            dir.join(format!(".{name}.{pid}-{n}.tmp"))
        };
        match fs::OpenOptions::new().write(true).create_new(true).open(&temp) {
            Ok(file) => return Ok((temp, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 100 => n += 1,
            Err(e) => return Err(e),
        }
    }
}

/// The output names a run has given so far, and for each `stem.ext` the suffix to try next.
#[derive(Default)]
pub struct TakenNames {
    names: std::collections::HashSet<String>,
    next: std::collections::HashMap<String, u32>,
}

/// Picks `stem.ext` in `dir`, or `stem-2.ext`, `stem-3.ext`... when an earlier document of
/// the same run already took the name. Each candidate is checked once per run (a folder of a
/// thousand articles with the same title took seconds when every name was compared with
/// every name taken before it).
pub fn unique_path(dir: &Path, stem: &str, ext: &str, taken: &mut TakenNames) -> PathBuf {
    let base = format!("{stem}.{ext}");
    let mut n = taken.next.get(&base).copied().unwrap_or(1);
    loop {
        let name = if n == 1 {
            base.clone()
        } else {
            format!("{stem}-{n}.{ext}")
        };
        n += 1;
        if taken.names.insert(name.clone()) {
            taken.next.insert(base, n);
            return dir.join(name);
        }
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
        // A link planted under the temporary file's name is not followed.
        #[cfg(unix)]
        {
            let victim = dir.join("victim");
            fs::write(&victim, b"keep").unwrap();
            let planted = dir.join(format!(".c.pdf.{}.tmp", std::process::id()));
            std::os::unix::fs::symlink(&victim, &planted).unwrap();
            write_atomic(&dir.join("c.pdf"), b"three").unwrap();
            assert_eq!(fs::read(&victim).unwrap(), b"keep");
            assert_eq!(fs::read(dir.join("c.pdf")).unwrap(), b"three");
            fs::remove_file(&planted).unwrap();
            fs::remove_file(&victim).unwrap();
            fs::remove_file(dir.join("c.pdf")).unwrap();
        }
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn names_are_unique_within_a_run() {
        let mut taken = TakenNames::default();
        let d = Path::new("out");
        assert_eq!(unique_path(d, "a", "pdf", &mut taken), d.join("a.pdf"));
        assert_eq!(unique_path(d, "a", "pdf", &mut taken), d.join("a-2.pdf"));
        assert_eq!(unique_path(d, "a", "epub", &mut taken), d.join("a.epub"));
        // A document whose own name looks like a numbered one is not given twice.
        assert_eq!(unique_path(d, "a-3", "pdf", &mut taken), d.join("a-3.pdf"));
        assert_eq!(unique_path(d, "a", "pdf", &mut taken), d.join("a-4.pdf"));
        assert_eq!(unique_path(d, "a-2", "pdf", &mut taken), d.join("a-2-2.pdf"));
        let many: std::collections::HashSet<PathBuf> = (0..1000)
            .map(|_| unique_path(d, "b", "pdf", &mut taken))
            .collect();
        assert_eq!(many.len(), 1000);
        assert!(many.contains(&d.join("b-1000.pdf")));
    }
}
