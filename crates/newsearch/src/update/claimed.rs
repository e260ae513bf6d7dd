//! The ids a run has claimed so far, each with the number of the file that claimed it, in
//! memory that does not grow with the run.
//!
//! The most recent claims are a hash map. Past [`RECENT`] of them they go to a file beside the
//! index as a sorted run of fixed-size records; in memory each run keeps only the first key of
//! every block of [`BLOCK`] records, and one blocked Bloom filter covers all runs. Nearly every
//! id is new, so nearly every look-up ends at the map or the filter (one cache line); a
//! collision, or the filter's rare false positive, reads one block per run. An index without a
//! folder keeps every claim in the map.

use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use rustc_hash::FxHashMap;

use crate::error::{Error, Result};

/// Claims held in the map before they go to a run: 2^18, about 8 MB.
const RECENT: usize = 1 << 18;

/// Records per block: the unit read on a look-up, with one key in memory for each.
const BLOCK: usize = 256;

/// A record: the id's 128-bit hash and the claiming file's number, little-endian.
const RECORD: usize = 20;

/// The file the runs go to, in the index folder; removed as soon as it is open where the
/// system allows (nothing is left behind if the run is killed), otherwise when the run ends.
const SPILL_FILE: &str = ".newsearch-claims.tmp";

pub(super) struct Claimed {
    recent: FxHashMap<u128, u32>,
    /// Claims the map holds before they are spilled.
    limit: usize,
    /// Where runs are written; `None`: everything stays in the map.
    dir: Option<PathBuf>,
    spill: Option<Spill>,
}

struct Spill {
    file: File,
    path: PathBuf,
    /// Bytes written.
    end: u64,
    runs: Vec<Run>,
    filter: Filter,
    /// Claims in runs.
    keys: usize,
    /// Whether the file is still to be removed when done.
    linked: bool,
}

struct Run {
    /// Where its first record is.
    offset: u64,
    records: usize,
    /// The first key of each block.
    fences: Vec<u128>,
}

impl Claimed {
    pub(super) fn new(dir: Option<&Path>) -> Claimed {
        Claimed::with_limit(dir, RECENT)
    }

    fn with_limit(dir: Option<&Path>, limit: usize) -> Claimed {
        Claimed {
            recent: FxHashMap::default(),
            limit: limit.max(1),
            dir: dir.map(Path::to_owned),
            spill: None,
        }
    }

    /// The file that claimed `key`, if any did.
    pub(super) fn get(&self, key: u128) -> Result<Option<u32>> {
        if let Some(&file) = self.recent.get(&key) {
            return Ok(Some(file));
        }
        match &self.spill {
            Some(spill) if spill.filter.may_hold(key) => spill.find(key),
            _ => Ok(None),
        }
    }

    /// Records that the file numbered `file` claimed `key` (not claimed before).
    pub(super) fn insert(&mut self, key: u128, file: u32) -> Result<()> {
        self.recent.insert(key, file);
        if self.recent.len() >= self.limit
            && let Some(dir) = &self.dir
        {
            let mut claims: Vec<(u128, u32)> = self.recent.drain().collect();
            claims.sort_unstable_by_key(|&(key, _)| key);
            let spill = match &mut self.spill {
                Some(spill) => spill,
                None => self.spill.insert(Spill::create(dir)?),
            };
            spill.append(&claims)?;
            // The map's table would stay at its largest: start a small one.
            self.recent = FxHashMap::default();
        }
        Ok(())
    }
}

impl Drop for Claimed {
    fn drop(&mut self) {
        if let Some(spill) = &self.spill
            && spill.linked
        {
            let _ = std::fs::remove_file(&spill.path);
        }
    }
}

impl Spill {
    fn create(dir: &Path) -> Result<Spill> {
        let path = dir.join(SPILL_FILE);
        let file = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        // An open file stays readable once unlinked on Unix; elsewhere it goes at the end.
        let linked = !(cfg!(unix) && std::fs::remove_file(&path).is_ok());
        Ok(Spill { file, path, end: 0, runs: Vec::new(), filter: Filter::with_capacity(0), keys: 0, linked })
    }

    fn append(&mut self, sorted: &[(u128, u32)]) -> Result<()> {
        let err = |e| Error::io(&self.path, e);
        let offset = self.end;
        self.file.seek(SeekFrom::Start(offset)).map_err(err)?;
        let mut out = BufWriter::with_capacity(1 << 16, &self.file);
        for &(key, file) in sorted {
            out.write_all(&key.to_le_bytes()).map_err(err)?;
            out.write_all(&file.to_le_bytes()).map_err(err)?;
        }
        out.flush().map_err(err)?;
        drop(out);
        self.end += (sorted.len() * RECORD) as u64;
        let fences = sorted.iter().step_by(BLOCK).map(|&(key, _)| key).collect();
        self.runs.push(Run { offset, records: sorted.len(), fences });
        self.keys += sorted.len();
        if self.keys > self.filter.capacity {
            // Twice the room each time: every claim is added again about twice in all.
            self.filter = Filter::with_capacity(self.keys * 2);
            for i in 0..self.runs.len() {
                self.each_key(i, |filter, key| filter.add(key))?;
            }
        } else {
            sorted.iter().for_each(|&(key, _)| self.filter.add(key));
        }
        Ok(())
    }

    /// Calls `f` with the filter and each key of run `i`, reading the run in order.
    fn each_key(&mut self, i: usize, mut f: impl FnMut(&mut Filter, u128)) -> Result<()> {
        let (offset, records) = (self.runs[i].offset, self.runs[i].records);
        let err = |e| Error::io(&self.path, e);
        self.file.seek(SeekFrom::Start(offset)).map_err(err)?;
        let mut input =
            std::io::BufReader::with_capacity(1 << 16, (&self.file).take((records * RECORD) as u64));
        let mut record = [0u8; RECORD];
        for _ in 0..records {
            input.read_exact(&mut record).map_err(err)?;
            f(&mut self.filter, key_of(&record));
        }
        Ok(())
    }

    fn find(&self, key: u128) -> Result<Option<u32>> {
        let mut block = [0u8; BLOCK * RECORD];
        for run in &self.runs {
            let b = run.fences.partition_point(|&fence| fence <= key);
            if b == 0 {
                continue;
            }
            let first = (b - 1) * BLOCK;
            let n = BLOCK.min(run.records - first);
            let bytes = &mut block[..n * RECORD];
            let at = run.offset + (first * RECORD) as u64;
            (&self.file)
                .seek(SeekFrom::Start(at))
                .and_then(|_| (&self.file).read_exact(bytes))
                .map_err(|e| Error::io(&self.path, e))?;
            let (records, _) = bytes.as_chunks::<RECORD>();
            let i = records.partition_point(|r| key_of(r) < key);
            if let Some(r) = records.get(i).filter(|r| key_of(&r[..]) == key) {
                return Ok(Some(u32::from_le_bytes([r[16], r[17], r[18], r[19]])));
            }
        }
        Ok(None)
    }
}

fn key_of(record: &[u8]) -> u128 {
    let mut key = [0u8; 16];
    key.copy_from_slice(&record[..16]);
    u128::from_le_bytes(key)
}

/// A blocked Bloom filter over 128-bit hashes: each key sets [`PROBES`] bits in one 512-bit
/// block, so a look-up reads one cache line. About 10 bits a key: 1–2 % false positives.
struct Filter {
    blocks: Vec<[u64; 8]>,
    /// Keys it was sized for.
    capacity: usize,
}

const PROBES: usize = 6;
const KEYS_PER_BLOCK: usize = 51;

impl Filter {
    fn with_capacity(keys: usize) -> Filter {
        let blocks = keys.div_ceil(KEYS_PER_BLOCK).max(1);
        Filter { blocks: vec![[0; 8]; blocks], capacity: keys }
    }

    /// The block (from the key's low half) and the bits (nine at a time from its high half).
    fn place(&self, key: u128) -> (usize, [(usize, u64); PROBES]) {
        let block = ((key as u64 as u128 * self.blocks.len() as u128) >> 64) as usize;
        let high = (key >> 64) as u64;
        let bits = std::array::from_fn(|i| {
            let bit = (high >> (9 * i)) & 511;
            ((bit / 64) as usize, 1u64 << (bit % 64))
        });
        (block, bits)
    }

    fn add(&mut self, key: u128) {
        let (block, bits) = self.place(key);
        for (word, bit) in bits {
            self.blocks[block][word] |= bit;
        }
    }

    fn may_hold(&self, key: u128) -> bool {
        let (block, bits) = self.place(key);
        bits.iter().all(|&(word, bit)| self.blocks[block][word] & bit != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn key(i: u64) -> u128 {
        xxhash_rust::xxh3::xxh3_128(&i.to_le_bytes())
    }

    #[test]
    fn claims_spilled_to_runs_are_found_with_their_files_and_nothing_else_is() {
        let dir = tempfile::tempdir().unwrap();
        let mut claimed = Claimed::with_limit(Some(dir.path()), 1000);
        for i in 0..10_500u64 {
            claimed.insert(key(i), i as u32 * 3).unwrap();
        }
        let spill = claimed.spill.as_ref().expect("spilled");
        assert_eq!(spill.runs.len(), 10);
        assert_eq!(claimed.recent.len(), 500);
        // Capacity doubled past the keys at each rebuild: the filter holds them all.
        assert!(spill.filter.capacity >= 10_000);
        for i in 0..10_500u64 {
            assert_eq!(claimed.get(key(i)).unwrap(), Some(i as u32 * 3), "claim {i}");
        }
        let mut false_positives = 0;
        for i in 10_500..30_500u64 {
            assert_eq!(claimed.get(key(i)).unwrap(), None);
            false_positives += usize::from(claimed.spill.as_ref().unwrap().filter.may_hold(key(i)));
        }
        assert!(false_positives < 20_000 / 20, "{false_positives} false positives in 20,000");
        // Nothing left in the folder (on Unix the file went as soon as it was open).
        drop(claimed);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn without_a_folder_every_claim_stays_in_memory() {
        let mut claimed = Claimed::with_limit(None, 10);
        for i in 0..100u64 {
            claimed.insert(key(i), i as u32).unwrap();
        }
        assert!(claimed.spill.is_none());
        assert_eq!(claimed.get(key(42)).unwrap(), Some(42));
        assert_eq!(claimed.get(key(100)).unwrap(), None);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Whatever the order of claims and look-ups and wherever the spills fall, the answers
        /// are those of a plain map.
        #[test]
        fn answers_are_those_of_a_map(
            ops in proptest::collection::vec((0u64..400, any::<bool>()), 1..600),
            limit in 1usize..40,
        ) {
            let dir = tempfile::tempdir().unwrap();
            let mut claimed = Claimed::with_limit(Some(dir.path()), limit);
            let mut model = std::collections::HashMap::new();
            for (n, (i, claim)) in ops.into_iter().enumerate() {
                let k = key(i);
                prop_assert_eq!(claimed.get(k).unwrap(), model.get(&k).copied());
                if claim && !model.contains_key(&k) {
                    claimed.insert(k, n as u32).unwrap();
                    model.insert(k, n as u32);
                }
            }
            for (k, file) in &model {
                prop_assert_eq!(claimed.get(*k).unwrap(), Some(*file));
            }
        }
    }
}
