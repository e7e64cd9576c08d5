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

use std::sync::{Arc, OnceLock};

pub use builtin::{BUILTIN_BLOB, BUILTIN_JSON, encode_builtin, json_hash};

type Index = (
    Vec<(Text, Text, Vec<usize>)>,
    Vec<(Text, Vec<Text>)>,
    Vec<(Text, usize)>,
);

use crate::error::Error;
use crate::model::{AccountFacts, CatalogFile, Entry, HyaSeat, Plan, PlanId, TopUpTier, UsageMode};
use crate::text::Text;

/// A loaded, validated catalog with its lookup index.
///
/// The index is sorted vectors searched by bisection rather than hash maps: a catalog has a
/// few hundred rows, a lookup is a handful of string comparisons either way, and each map
/// type was another copy of the hash table's code in the WebAssembly module.
#[derive(Clone, Debug)]
pub struct Catalog {
    rows: Rows,
    overlay: Option<String>,
    /// (model, task_type) → entry indices in file order; sorted by model, then task type.
    index: Vec<(Text, Text, Vec<usize>)>,
    /// Models with their task types, both sorted, for lookups and error messages.
    task_types: Vec<(Text, Vec<Text>)>,
    /// (entry id, index), sorted by id.
    by_id: Vec<(Text, usize)>,
}

#[derive(Clone, Debug)]
enum Rows {
    /// A file read, validated and indexed whole (a user's catalog, an overlaid one).
    Loaded(Box<CatalogFile>),
    /// The built-in catalog, decoded as it is read.
    Builtin(Arc<Lazy>),
}

/// The built-in catalog's parts, decoded on first use: each entry as estimates look it up, all
/// of them when an operation lists them, the account side (plans, tiers) when it is asked for.
/// Shared by the catalog's clones.
struct Lazy {
    version: &'static str,
    head: &'static [u8],
    keys: Vec<builtin::Keys>,
    bytes: Vec<&'static [u8]>,
    one: Vec<OnceLock<Entry>>,
    account: OnceLock<CatalogFile>,
    all: OnceLock<CatalogFile>,
}

impl std::fmt::Debug for Lazy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Lazy({} {} entries)", self.version, self.bytes.len())
    }
}

impl Catalog {
    /// The compiled-in catalog, loaded on first use.
    pub fn builtin() -> &'static Catalog {
        Self::builtin_shared()
    }

    /// The compiled-in catalog behind the `Arc` every [`crate::Billing::new`] shares.
    pub(crate) fn builtin_shared() -> &'static Arc<Catalog> {
        static BUILTIN: OnceLock<Arc<Catalog>> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            // The blob is checked fresh and equal to the validated JSON by the test suite: a
            // broken build cannot reach users.
            Arc::new(Catalog::load_builtin().unwrap_or_else(|e| panic!("built-in catalog: {e}")))
        })
    }

    /// Loads the built-in catalog afresh from its compact form; [`Catalog::builtin`] does
    /// this once per process. Only the index, stored ready in the blob, is read here; entries
    /// and the account side are decoded when first read. Nothing is validated again: the
    /// tests validate the JSON the blob is generated from and hold the two equal.
    pub fn load_builtin() -> Result<Catalog, Error> {
        let opened = builtin::open()?;
        let keys = &opened.keys;
        let (index, task_types, by_id) = assemble_index(
            |i| (&keys[i].id, &keys[i].model, &keys[i].task_type),
            opened.groups,
            opened.by_id,
        );
        let lazy = Lazy {
            version: opened.version,
            head: opened.head,
            one: opened.entries.iter().map(|_| OnceLock::new()).collect(),
            keys: opened.keys,
            bytes: opened.entries,
            account: OnceLock::new(),
            all: OnceLock::new(),
        };
        Ok(Catalog {
            rows: Rows::Builtin(Arc::new(lazy)),
            overlay: None,
            index,
            task_types,
            by_id,
        })
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
        let key = |i: usize| (&entries[i].id, &entries[i].model, &entries[i].task_type);
        let (groups, by_id) = index_order(entries.len(), key);
        let (index, task_types, by_id) = assemble_index(key, groups, by_id);
        Ok(Catalog {
            rows: Rows::Loaded(Box::new(file)),
            overlay,
            index,
            task_types,
            by_id,
        })
    }

    pub fn version(&self) -> &str {
        match &self.rows {
            Rows::Loaded(file) => &file.version,
            Rows::Builtin(lazy) => lazy.version,
        }
    }

    /// The overlay that was applied, if any.
    pub fn overlay(&self) -> Option<&str> {
        self.overlay.as_deref()
    }

    /// The whole file (for the built-in catalog, every entry is decoded on the first call).
    pub fn file(&self) -> &CatalogFile {
        match &self.rows {
            Rows::Loaded(file) => file,
            Rows::Builtin(lazy) => lazy.all.get_or_init(|| CatalogFile {
                entries: (0..lazy.bytes.len()).map(|i| lazy.decode(i)).collect(),
                ..lazy.account().clone()
            }),
        }
    }

    /// The file's account side (plans, modes, seats, tiers, facts); its `entries` may be
    /// empty.
    fn account(&self) -> &CatalogFile {
        match &self.rows {
            Rows::Loaded(file) => file,
            Rows::Builtin(lazy) => lazy.account(),
        }
    }

    pub fn entries(&self) -> &[Entry] {
        &self.file().entries
    }

    /// How many entries the catalog has, without decoding them.
    pub fn entry_count(&self) -> usize {
        self.by_id.len()
    }

    /// The entry at `i` of [`Catalog::entries`], decoding only that one if need be.
    pub fn entry_at(&self, i: usize) -> &Entry {
        match &self.rows {
            Rows::Loaded(file) => &file.entries[i],
            Rows::Builtin(lazy) => match lazy.all.get() {
                Some(file) => &file.entries[i],
                None => lazy.one[i].get_or_init(|| lazy.decode(i)),
            },
        }
    }

    pub fn entry(&self, id: &str) -> Option<&Entry> {
        let at = self.by_id.binary_search_by(|(k, _)| (**k).cmp(id)).ok()?;
        Some(self.entry_at(self.by_id[at].1))
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
            .map(|&i| self.entry_at(i))
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

    // The account side of the file, which never needs an entry decoded.

    pub fn plans(&self) -> &[Plan] {
        &self.account().plans
    }

    pub fn usage_modes(&self) -> &[UsageMode] {
        &self.account().usage_modes
    }

    pub fn hya_seats(&self) -> &[HyaSeat] {
        &self.account().hya_seats
    }

    pub fn top_up_tiers(&self) -> &[TopUpTier] {
        &self.account().top_up_tiers
    }

    pub fn account_facts(&self) -> &AccountFacts {
        &self.account().account_facts
    }

    pub fn plan(&self, id: PlanId) -> Option<&Plan> {
        self.account().plans.iter().find(|p| p.id == id)
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

impl Lazy {
    /// Entry `i` decoded. The bytes were generated from the validated JSON and are held equal
    /// to it by the tests, so failing here means a broken build, not bad input.
    fn decode(&self, i: usize) -> Entry {
        builtin::entry(self.bytes[i], &self.keys[i])
            .unwrap_or_else(|e| panic!("built-in catalog: {e}"))
    }

    fn account(&self) -> &CatalogFile {
        self.account.get_or_init(|| {
            builtin::head(self.head).unwrap_or_else(|e| panic!("built-in catalog: {e}"))
        })
    }
}

/// The index's order: the entries of each (model, task type) in file order, the services
/// sorted; and the entries sorted by id. The built-in catalog stores both, made by this.
pub(crate) fn index_order<'a>(
    n: usize,
    key: impl Fn(usize) -> (&'a Text, &'a Text, &'a Text),
) -> (Vec<Vec<usize>>, Vec<usize>) {
    let mut rows: Vec<usize> = (0..n).collect();
    let service = |i: &usize| {
        let (_, model, task_type) = key(*i);
        (&**model, &**task_type)
    };
    crate::sort::sort_by(&mut rows, |a, b| service(a).cmp(&service(b)));
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for i in rows {
        match groups.last_mut() {
            Some(group) if service(&group[0]) == service(&i) => group.push(i),
            _ => groups.push(vec![i]),
        }
    }
    let mut by_id: Vec<usize> = (0..n).collect();
    crate::sort::sort_by(&mut by_id, |a, b| key(*a).0.cmp(key(*b).0));
    (groups, by_id)
}

/// The index from its order ([`index_order`]): no sorting, so the built-in catalog's is built
/// in one pass over what the blob stores.
fn assemble_index<'a>(
    key: impl Fn(usize) -> (&'a Text, &'a Text, &'a Text),
    groups: Vec<Vec<usize>>,
    by_id: Vec<usize>,
) -> Index {
    let mut index: Vec<(Text, Text, Vec<usize>)> = Vec::with_capacity(groups.len());
    let mut task_types: Vec<(Text, Vec<Text>)> = Vec::new();
    for group in groups {
        let Some(&first) = group.first() else {
            continue;
        };
        let (_, model, task_type) = key(first);
        match task_types.last_mut() {
            Some((m, list)) if m == model => list.push(task_type.clone()),
            _ => task_types.push((model.clone(), vec![task_type.clone()])),
        }
        index.push((model.clone(), task_type.clone(), group));
    }
    let by_id = by_id.into_iter().map(|i| (key(i).0.clone(), i)).collect();
    (index, task_types, by_id)
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

    /// Entries decoded one at a time are the file's entries, and an estimate decodes only the
    /// rows it looks at.
    #[test]
    fn built_in_entries_decode_one_by_one_as_the_file_has_them() {
        let json = Catalog::from_static_json(BUILTIN_JSON).expect("parses");
        let lazy = Catalog::load_builtin().expect("valid");
        let decoded = |c: &Catalog| match &c.rows {
            Rows::Builtin(lazy) => lazy.one.iter().filter(|e| e.get().is_some()).count(),
            Rows::Loaded(_) => panic!("the built-in catalog decodes lazily"),
        };
        assert_eq!(decoded(&lazy), 0);
        let billing = crate::Billing::with_catalog(lazy.clone());
        let args: crate::EstimateArgs = crate::json::from_str(
            r#"{"tasks": [{"model": "kling", "task_type": "video_generation",
                "input": {"version": "3.0", "mode": "pro", "duration": 10}}]}"#,
        )
        .unwrap();
        billing.estimate_cost(&args).unwrap();
        let touched = decoded(billing.catalog());
        assert!(touched > 0 && touched < 40, "{touched} entries decoded");
        assert_eq!(lazy.entry_count(), json.entries().len());
        for (i, want) in json.entries().iter().enumerate() {
            assert_eq!(lazy.entry_at(i), want, "entry {i}");
            assert_eq!(lazy.entry(&want.id), Some(want));
        }
        assert_eq!(lazy.entries(), json.entries());
        // The index stored in the blob is the one the file's own reading builds.
        assert_eq!(lazy.index, json.index);
        assert_eq!(lazy.task_types, json.task_types);
        assert_eq!(lazy.by_id, json.by_id);
        assert_eq!(lazy.account_facts(), json.account_facts());
        assert_eq!(lazy.plans(), json.plans());
        assert_eq!(lazy.task_types("kling"), json.task_types("kling"));
        assert!(lazy.models().eq(json.models()));
    }

    #[test]
    fn the_built_in_catalog_reads_the_same_borrowed_or_copied() {
        let borrowed = Catalog::from_static_json(BUILTIN_JSON).expect("parses");
        let copied = Catalog::from_json(BUILTIN_JSON).expect("parses");
        assert_eq!(borrowed.entries(), copied.entries());
        assert_eq!(borrowed.file().plans, copied.file().plans);
    }
}
