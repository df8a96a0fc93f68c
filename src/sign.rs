//! Release signatures: minisign key pairs (`iocc keygen`), signatures of release files
//! (`iocc bundle --sign`) and their check (`iocc verify --pubkey`), with the `minisign` crate.
//!
//! Guarantees: signatures are minisign's own format (Ed25519 over the BLAKE2b-512 hash of the
//! file, with a signed trusted comment), so Debian's `minisign -Vm FILE -p KEY.pub` verifies
//! them. A secret key is read from a file or from an environment variable, held in memory
//! only, and never written anywhere by anything but `keygen`. Its password comes from
//! `IOCC_SIGN_PASSWORD`, else from a prompt on the terminal; without either, loading a
//! password-protected key fails with a clear error instead of waiting for input.

use std::io::{Cursor, IsTerminal};
use std::path::{Path, PathBuf};

use minisign::{PublicKey, PublicKeyBox, SecretKey, SecretKeyBox, SignatureBox};

use crate::diag::{display, Code, Diagnostic};

/// The environment variable holding the secret key's password.
pub const PASSWORD_ENV: &str = "IOCC_SIGN_PASSWORD";

/// Where a secret key comes from: a file, or (`env:NAME`) an environment variable holding
/// the text of the key file, e.g. a CI secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    File(PathBuf),
    Env(String),
}

impl std::str::FromStr for KeySource {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.strip_prefix("env:") {
            Some("") => Err("`env:` needs the name of an environment variable".into()),
            Some(name) => Ok(KeySource::Env(name.to_owned())),
            None => Ok(KeySource::File(PathBuf::from(s))),
        }
    }
}

impl std::fmt::Display for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeySource::File(p) => write!(f, "`{}`", display(p)),
            KeySource::Env(n) => write!(f, "environment variable `{n}`"),
        }
    }
}

/// A secret key ready to sign, with its public key.
pub struct Signer {
    sk: SecretKey,
    pk: PublicKey,
}

fn invalid_key(msg: String) -> Diagnostic {
    Diagnostic::new(Code::InvalidKey, msg)
}

/// The box text of a key: the key file's two lines, or its base64 line alone (CI secret
/// stores often lose the first line or the newline).
fn boxed(text: &str, what: &str) -> String {
    let text = text.trim();
    if text.starts_with("untrusted comment:") {
        format!("{text}\n")
    } else {
        format!("untrusted comment: {what}\n{text}\n")
    }
}

/// The password of a protected key: `IOCC_SIGN_PASSWORD`, else asked on the terminal.
fn password(prompt: &str) -> Result<String, Diagnostic> {
    if let Ok(p) = std::env::var(PASSWORD_ENV) {
        return Ok(p);
    }
    if !std::io::stdin().is_terminal() {
        return Err(invalid_key("the secret key is protected by a password and no terminal can ask for it".into())
            .help(format!("set {PASSWORD_ENV} (e.g. from a CI secret), or make a key without password for a CI secret store with `iocc keygen --no-password`")));
    }
    rpassword::prompt_password(prompt)
        .map_err(|e| invalid_key(format!("cannot read the password: {e}")))
}

impl Signer {
    /// Loads a secret key; asks for its password if it has one.
    pub fn load(source: &KeySource) -> Result<Signer, Diagnostic> {
        let text = match source {
            KeySource::File(p) => std::fs::read_to_string(p).map_err(|e| {
                invalid_key(format!("cannot read the secret key {source}: {e}"))
                    .help("give the `.key` file written by `iocc keygen`, or `env:NAME`")
            })?,
            KeySource::Env(name) => std::env::var(name).map_err(|_| {
                invalid_key(format!("the secret key {source} is not set"))
                    .help("put the text of the `.key` file written by `iocc keygen` in it")
            })?,
        };
        let sk_box = SecretKeyBox::from_string(&boxed(&text, "iocc secret key"))
            .map_err(|e| invalid_key(format!("{source} is not a minisign secret key: {e}")))?;
        let sk = match SecretKey::from_unencrypted_box(sk_box.clone()) {
            Ok(sk) => sk,
            Err(e) if e.to_string().contains("encrypted") => {
                let pw = password("Password of the iocc secret key: ")?;
                SecretKey::from_box(sk_box, Some(pw)).map_err(|e| {
                    invalid_key(format!("cannot open the secret key {source}: {e}"))
                        .help(format!("check {PASSWORD_ENV} or the password typed"))
                })?
            }
            Err(e) => {
                return Err(invalid_key(format!(
                    "{source} is not a minisign secret key: {e}"
                )))
            }
        };
        let pk =
            PublicKey::from_secret_key(&sk).map_err(|e| invalid_key(format!("{source}: {e}")))?;
        Ok(Signer { sk, pk })
    }

    /// The minisign signature (`.minisig` text) of `data`, with `trusted` as its signed
    /// comment.
    pub fn sign(&self, data: &[u8], trusted: &str) -> Result<String, Diagnostic> {
        minisign::sign(
            Some(&self.pk),
            &self.sk,
            Cursor::new(data),
            Some(trusted),
            Some("signature from iocc secret key"),
        )
        .map(|b| b.into_string())
        .map_err(|e| invalid_key(format!("cannot sign: {e}")))
    }
}

/// A new key pair: the text of the secret key file and of the public key file.
pub fn keygen(password: Option<String>) -> Result<(String, String), Diagnostic> {
    let failed = |e: minisign::PError| invalid_key(format!("cannot make a key pair: {e}"));
    let kp = match password {
        Some(pw) => minisign::KeyPair::generate_encrypted_keypair(Some(pw)),
        None => minisign::KeyPair::generate_unencrypted_keypair(),
    }
    .map_err(failed)?;
    let sk = kp
        .sk
        .to_box(Some("iocc secret key"))
        .map_err(failed)?
        .into_string();
    let pk = kp.pk.to_box().map_err(failed)?.into_string();
    Ok((sk, pk))
}

/// The password of a new key: `IOCC_SIGN_PASSWORD`, else typed twice on the terminal.
pub fn new_password() -> Result<String, Diagnostic> {
    if let Ok(p) = std::env::var(PASSWORD_ENV) {
        return Ok(p);
    }
    let first = password("Password for the new secret key: ")?;
    let again = password("The same password again: ")?;
    if first == again {
        Ok(first)
    } else {
        Err(invalid_key("the two passwords differ".into()).help("run `iocc keygen` again"))
    }
}

/// Writes a new secret key file, readable by its owner only; never replaces a file.
pub fn write_secret_key(path: &Path, text: &str) -> Result<(), Diagnostic> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let failed = |e: std::io::Error| {
        Diagnostic::new(
            Code::WriteFailed,
            format!("cannot write `{}`: {e}", display(path)),
        )
        .help("check the folder exists and is writable; iocc never overwrites a key")
    };
    let mut f = options.open(path).map_err(failed)?;
    f.write_all(text.as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(failed)
}

/// Reads a public key: a minisign `.pub` file, or its base64 line given directly.
pub fn public_key(key: &str) -> Result<PublicKey, Diagnostic> {
    let path = Path::new(key);
    let text = if path.is_file() {
        std::fs::read_to_string(path)
            .map_err(|e| invalid_key(format!("cannot read the public key `{key}`: {e}")))?
    } else {
        key.to_owned()
    };
    PublicKeyBox::from_string(&boxed(&text, "minisign public key"))
        .and_then(PublicKeyBox::into_public_key)
        .map_err(|e| {
            invalid_key(format!("`{key}` is not a minisign public key: {e}"))
                .help("give the `.pub` file written by `iocc keygen` (or `minisign -G`), or its second line")
        })
}

/// Checks the minisign signature `sig` (the text of a `.minisig` file) of `data`; returns
/// its trusted comment.
pub fn verify(pk: &PublicKey, data: &[u8], sig: &str) -> Result<String, String> {
    let sig = SignatureBox::from_string(sig).map_err(|e| format!("unreadable signature: {e}"))?;
    minisign::verify(pk, &sig, Cursor::new(data), true, false, false).map_err(|e| e.to_string())?;
    sig.trusted_comment().map_err(|e| e.to_string())
}

/// The trusted comment of a release file, as minisign writes its own: the fixed time of the
/// release (not the signing clock), the file name, and that the file was hashed.
pub fn trusted_comment(mtime: u64, name: &str) -> String {
    format!("timestamp:{mtime}\tfile:{name}\thashed")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_with_its_key_only_and_for_its_data_only() {
        let (sk, pk) = keygen(None).unwrap();
        let dir = std::env::temp_dir().join(format!("iocc-sign-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let key = dir.join("k.key");
        std::fs::write(&key, &sk).unwrap();
        let signer = Signer::load(&KeySource::File(key)).unwrap();
        let sig = signer.sign(b"data", &trusted_comment(1, "f")).unwrap();
        let pk = public_key(&pk).unwrap();
        assert_eq!(
            verify(&pk, b"data", &sig).unwrap(),
            "timestamp:1\tfile:f\thashed"
        );
        assert!(verify(&pk, b"datA", &sig).is_err());
        let (_, other) = keygen(None).unwrap();
        assert!(verify(&public_key(&other).unwrap(), b"data", &sig).is_err());
        // The base64 line alone is a key too.
        let line = sk.lines().nth(1).unwrap();
        std::env::set_var("IOCC_TEST_SIGN_KEY", line);
        let again = Signer::load(&"env:IOCC_TEST_SIGN_KEY".parse().unwrap()).unwrap();
        assert!(verify(&pk, b"x", &again.sign(b"x", "t").unwrap()).is_ok());
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn key_sources_parse() {
        assert_eq!(
            "env:KEY".parse::<KeySource>(),
            Ok(KeySource::Env("KEY".into()))
        );
        assert_eq!(
            "a/b.key".parse::<KeySource>(),
            Ok(KeySource::File("a/b.key".into()))
        );
        assert!("env:".parse::<KeySource>().is_err());
    }
}
