//! Laying a user's price overlay over a catalog: entries patched by id (absent fields left
//! alone, `null` clearing a nullable one) or added whole.

use super::Catalog;
use crate::error::Error;
use crate::model::{Confidence, OverlayFile};
use crate::text::Text;

impl Catalog {
    /// Lays a user's overlay (JSON text of an [`OverlayFile`]) over this catalog.
    pub fn with_overlay(&self, text: &str) -> Result<Catalog, Error> {
        let overlay: OverlayFile = crate::json::from_str(text)
            .map_err(|e| Error::catalog(format!("overlay: {}", e.message)))?;
        self.apply_overlay(overlay)
    }

    pub fn apply_overlay(&self, overlay: OverlayFile) -> Result<Catalog, Error> {
        if overlay.name.trim().is_empty() {
            return Err(Error::catalog("overlay: name must not be empty"));
        }
        let source = overlay
            .source
            .clone()
            .unwrap_or_else(|| format!("overlay {}", overlay.name));
        let mut file = self.file.clone();
        for (i, mut patch) in overlay.entries.into_iter().enumerate() {
            // A changed price that does not name its own provenance is the overlay's.
            if patch.touches_price() {
                patch.confidence.get_or_insert(Confidence::Overlay);
                patch
                    .source
                    .get_or_insert_with(|| Text::from(source.as_str()));
            }
            match file.entries.iter().position(|e| e.id == patch.id) {
                Some(pos) => file.entries[pos] = patch.apply(&file.entries[pos]),
                None => {
                    // An id the catalog does not have is a new row, which needs every field: a
                    // patch for a row that no longer exists is refused by name, never dropped.
                    let id = patch.id.clone();
                    let version = &self.file.version;
                    let entry = patch.complete(|field| {
                        Error::catalog(format!(
                            "overlay: entries[{i}]: catalog {version} has no row \"{id}\"; a patch must name an existing row, and a new row needs every field (missing `{field}`)"
                        ))
                    })?;
                    file.entries.push(entry);
                }
            }
        }
        let name = match &self.overlay {
            Some(prev) => format!("{prev}+{}", overlay.name),
            None => overlay.name,
        };
        Catalog::from_file(file, Some(name))
    }
}
