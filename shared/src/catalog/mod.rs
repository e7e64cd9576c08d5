//! The loaded price catalog: validated, indexed, and optionally overlaid with a user's prices.
//!
//! The built-in catalog is `catalog/builtin.json` (its version is inside the file), compiled
//! into the program in compact form ([`builtin`]) and loaded once per process. Callers may
//! replace it ([`Catalog::from_json`]) or lay an overlay over it ([`Catalog::with_overlay`]): an
//! overlay patches entries by id or adds new ones, and its name is reported by every estimate
//! made with it, so a negotiated price always wins visibly.

mod builtin;
mod overlay;
mod validate;

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

pub use builtin::{BUILTIN_BLOB, BUILTIN_JSON, encode_builtin, json_hash};

use crate::error::Error;
use crate::model::{CatalogFile, Entry, Plan, PlanId};
use crate::text::Text;

/// A map keyed by catalog names (models, task types, entry ids).
type NameMap<V> = HashMap<Text, V, BuildNameHasher>;
type BuildNameHasher = std::hash::BuildHasherDefault<NameHasher>;

/// FNV-1a over the name's bytes. The keys are the catalog's own short names, fixed when the
/// catalog loads, so there is no flooding to defend against and SipHash's cost (a tenth of
/// building the index) buys nothing; lookups by a caller's model name only probe.
#[derive(Clone, Copy)]
struct NameHasher(u64);

impl Default for NameHasher {
    fn default() -> Self {
        NameHasher(0xcbf2_9ce4_8422_2325)
    }
}

impl std::hash::Hasher for NameHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// A loaded, validated catalog with its lookup index.
#[derive(Clone, Debug)]
pub struct Catalog {
    file: CatalogFile,
    overlay: Option<String>,
    /// model → task_type → entry indices, in file order.
    index: NameMap<NameMap<Vec<usize>>>,
    /// model → its task types, sorted, for error messages.
    task_types: BTreeMap<Text, Vec<Text>>,
    /// entry id → index.
    by_id: NameMap<usize>,
}

impl Catalog {
    /// The compiled-in catalog, loaded on first use.
    pub fn builtin() -> &'static Catalog {
        static BUILTIN: OnceLock<Catalog> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            // The blob is checked fresh and valid by the test suite: a broken build cannot
            // reach users.
            Catalog::load_builtin().unwrap_or_else(|e| panic!("built-in catalog: {e}"))
        })
    }

    /// Loads the built-in catalog afresh from its compact form; [`Catalog::builtin`] does
    /// this once per process.
    pub fn load_builtin() -> Result<Catalog, Error> {
        Catalog::from_file(builtin::decode()?, None)
    }

    /// Loads a whole catalog file, replacing the built-in one.
    pub fn from_json(text: &str) -> Result<Catalog, Error> {
        let file: CatalogFile = crate::json::from_str(text)
            .map_err(|e| Error::catalog(format!("catalog: {}", e.message)))?;
        Catalog::from_file(file, None)
    }

    /// Loads a catalog compiled into the program; its strings are borrowed, not copied.
    pub fn from_static_json(text: &'static str) -> Result<Catalog, Error> {
        let file: CatalogFile = crate::json::from_static_str(text)
            .map_err(|e| Error::catalog(format!("catalog: {}", e.message)))?;
        Catalog::from_file(file, None)
    }

    pub fn from_file(mut file: CatalogFile, overlay: Option<String>) -> Result<Catalog, Error> {
        validate::validate(&file)?;
        for e in &mut file.entries {
            e.make_default_labels();
        }
        let mut index: NameMap<NameMap<Vec<usize>>> = NameMap::default();
        let mut task_types: BTreeMap<Text, Vec<Text>> = BTreeMap::new();
        let mut by_id = NameMap::default();
        for (i, e) in file.entries.iter().enumerate() {
            index
                .entry(e.model.clone())
                .or_default()
                .entry(e.task_type.clone())
                .or_default()
                .push(i);
            let tts = task_types.entry(e.model.clone()).or_default();
            if !tts.iter().any(|t| **t == *e.task_type) {
                tts.push(e.task_type.clone());
            }
            by_id.insert(e.id.clone(), i);
        }
        for tts in task_types.values_mut() {
            tts.sort();
        }
        Ok(Catalog {
            file,
            overlay,
            index,
            task_types,
            by_id,
        })
    }

    pub fn version(&self) -> &str {
        &self.file.version
    }

    /// The overlay that was applied, if any.
    pub fn overlay(&self) -> Option<&str> {
        self.overlay.as_deref()
    }

    pub fn file(&self) -> &CatalogFile {
        &self.file
    }

    pub fn entries(&self) -> &[Entry] {
        &self.file.entries
    }

    pub fn entry(&self, id: &str) -> Option<&Entry> {
        self.by_id.get(id).map(|&i| &self.file.entries[i])
    }

    /// Indices (into [`Catalog::entries`]) of the entries for a model and task type, in file
    /// order; the estimator walks these without collecting them.
    pub fn candidate_entries(&self, model: &str, task_type: &str) -> &[usize] {
        self.index
            .get(model)
            .and_then(|tasks| tasks.get(task_type))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Entries for a model and task type, in file order.
    pub fn candidates(&self, model: &str, task_type: &str) -> impl Iterator<Item = &Entry> {
        self.candidate_entries(model, task_type)
            .iter()
            .map(|&i| &self.file.entries[i])
    }

    pub fn has_model(&self, model: &str) -> bool {
        self.task_types.contains_key(model)
    }

    pub fn models(&self) -> impl Iterator<Item = &str> {
        self.task_types.keys().map(|m| &**m)
    }

    pub fn task_types(&self, model: &str) -> &[Text] {
        self.task_types.get(model).map(Vec::as_slice).unwrap_or(&[])
    }

    pub fn plan(&self, id: PlanId) -> Option<&Plan> {
        self.file.plans.iter().find(|p| p.id == id)
    }

    /// Refuses a model name the catalog does not know, listing the ones it does.
    pub fn check_model(&self, field: &str, model: &str) -> Result<(), Error> {
        if self.has_model(model) {
            return Ok(());
        }
        let known: Vec<&str> = self.models().collect();
        Err(Error::invalid(
            field,
            format!(
                "unknown model \"{model}\"; known models: {}",
                known.join(", ")
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalog_loads_and_is_versioned() {
        let c = Catalog::from_json(BUILTIN_JSON).expect("built-in catalog parses");
        assert!(!c.version().is_empty());
        assert!(c.overlay().is_none());
        assert!(c.entries().len() >= 100);
    }

    /// The compact catalog is the file, field for field, as the JSON reader reads it.
    #[test]
    fn the_compact_catalog_is_the_json_file() {
        let compact = Catalog::load_builtin().expect("valid");
        let read = Catalog::from_static_json(BUILTIN_JSON).expect("parses");
        assert_eq!(compact.entries(), read.entries());
        // Decimals compare by value; the written form must also match (scale included).
        assert_eq!(
            serde_json::to_value(compact.file()).unwrap(),
            serde_json::to_value(read.file()).unwrap()
        );
    }

    #[test]
    fn the_built_in_catalog_reads_the_same_borrowed_or_copied() {
        let borrowed = Catalog::from_static_json(BUILTIN_JSON).expect("parses");
        let copied = Catalog::from_json(BUILTIN_JSON).expect("parses");
        assert_eq!(borrowed.entries(), copied.entries());
        assert_eq!(borrowed.file().plans, copied.file().plans);
    }
}
