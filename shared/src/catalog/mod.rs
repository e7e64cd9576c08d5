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

use std::sync::OnceLock;

pub use builtin::{BUILTIN_BLOB, BUILTIN_JSON, encode_builtin, json_hash};

use crate::error::Error;
use crate::model::{CatalogFile, Entry, Plan, PlanId};
use crate::text::Text;

/// A loaded, validated catalog with its lookup index.
///
/// The index is sorted vectors searched by bisection rather than hash maps: a catalog has a
/// few hundred rows, a lookup is a handful of string comparisons either way, and each map
/// type was another copy of the hash table's code in the WebAssembly module.
#[derive(Clone, Debug)]
pub struct Catalog {
    file: CatalogFile,
    overlay: Option<String>,
    /// (model, task_type) → entry indices in file order; sorted by model, then task type.
    index: Vec<(Text, Text, Vec<usize>)>,
    /// Models with their task types, both sorted, for lookups and error messages.
    task_types: Vec<(Text, Vec<Text>)>,
    /// (entry id, index), sorted by id.
    by_id: Vec<(Text, usize)>,
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
        let entries = &file.entries;
        let mut rows: Vec<usize> = (0..entries.len()).collect();
        let service = |i: &usize| (&*entries[*i].model, &*entries[*i].task_type);
        crate::sort::sort_by(&mut rows, |a, b| service(a).cmp(&service(b)));
        let mut index: Vec<(Text, Text, Vec<usize>)> = Vec::new();
        for i in rows {
            let e = &entries[i];
            match index.last_mut() {
                Some((m, t, list)) if *m == e.model && *t == e.task_type => list.push(i),
                _ => index.push((e.model.clone(), e.task_type.clone(), vec![i])),
            }
        }
        let mut task_types: Vec<(Text, Vec<Text>)> = Vec::new();
        for (model, task_type, _) in &index {
            match task_types.last_mut() {
                Some((m, list)) if m == model => list.push(task_type.clone()),
                _ => task_types.push((model.clone(), vec![task_type.clone()])),
            }
        }
        let mut by_id: Vec<(Text, usize)> = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.id.clone(), i))
            .collect();
        crate::sort::sort_by(&mut by_id, |a, b| a.0.cmp(&b.0));
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
        let at = self.by_id.binary_search_by(|(k, _)| (**k).cmp(id)).ok()?;
        Some(&self.file.entries[self.by_id[at].1])
    }

    /// Indices (into [`Catalog::entries`]) of the entries for a model and task type, in file
    /// order; the estimator walks these without collecting them.
    pub fn candidate_entries(&self, model: &str, task_type: &str) -> &[usize] {
        match self
            .index
            .binary_search_by(|(m, t, _)| (&**m, &**t).cmp(&(model, task_type)))
        {
            Ok(at) => &self.index[at].2,
            Err(_) => &[],
        }
    }

    /// Entries for a model and task type, in file order.
    pub fn candidates(&self, model: &str, task_type: &str) -> impl Iterator<Item = &Entry> {
        self.candidate_entries(model, task_type)
            .iter()
            .map(|&i| &self.file.entries[i])
    }

    fn model_at(&self, model: &str) -> Option<usize> {
        self.task_types
            .binary_search_by(|(m, _)| (**m).cmp(model))
            .ok()
    }

    pub fn has_model(&self, model: &str) -> bool {
        self.model_at(model).is_some()
    }

    /// Every model, sorted.
    pub fn models(&self) -> impl Iterator<Item = &str> {
        self.task_types.iter().map(|(m, _)| &**m)
    }

    /// A model's task types, sorted.
    pub fn task_types(&self, model: &str) -> &[Text] {
        match self.model_at(model) {
            Some(at) => &self.task_types[at].1,
            None => &[],
        }
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
