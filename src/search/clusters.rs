//! Groups of near-identical descriptions (the same event written up again and again), found in
//! bounded time: each description's word-pair fingerprint gets a MinHash signature, whose bands
//! point at the few earlier groups that could be alike (locality-sensitive hashing, never all
//! pairs); the signatures estimate the similarity, and the few most alike get the exact one. A
//! description joins the group whose first description it matches best, with a Jaccard
//! similarity of at least [`THRESHOLD`], else it starts a group of its own. So every member is
//! near-identical to its group's first report, and groups do not drift.

use super::ids::PassThrough;
use super::shingles::{jaccard, mix, shingles};
use std::collections::HashMap;
use std::hash::BuildHasherDefault;

/// Least Jaccard similarity of word pairs with a group's first description to join the group.
pub const THRESHOLD: f64 = 0.8;
/// Bands of the signature; a description is compared with the groups sharing any band.
const BANDS: usize = 16;
/// Signature values per band. With 16 × 5, two descriptions at 0.8 share a band with
/// probability 0.998; at 0.5, 0.40; at 0.3, 0.04.
const ROWS: usize = 5;
const HASHES: usize = BANDS * ROWS;
/// Most groups kept per band bucket, which bounds the work for one description. A bucket that
/// fills up is one that unrelated descriptions share (their common boilerplate decided the
/// band): it is no longer looked at, and near-identical descriptions still meet in the bands
/// their own words decide.
const PER_BAND: usize = 16;
/// Least share of equal signature values for the exact comparison to be worth making: the
/// share estimates the Jaccard similarity (one standard deviation is 0.045 at 0.8), so a pair
/// at 0.8 is turned away less than once in two thousand, and the many pairs that only share
/// boilerplate are.
const ESTIMATE_MIN: usize = HASHES * 65 / 100;

/// One key per hash function: function `i` is `x ↦ (x ^ KEYS[i]) · M` (mod 2⁶⁴), a different
/// permutation of 64-bit values for each key.
const KEYS: [u64; HASHES] = {
    let mut keys = [0u64; HASHES];
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut i = 0;
    while i < HASHES {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        keys[i] = z ^ (z >> 31);
        i += 1;
    }
    keys
};
const M: u64 = 0xd6e8_feb8_6659_fd93;

/// The MinHash signature of a fingerprint (whose members are already well-mixed hashes): for
/// each of [`HASHES`] hash functions, the least value over the members.
fn signature(fingerprint: &[u64]) -> [u64; HASHES] {
    let mut sig = [u64::MAX; HASHES];
    for &s in fingerprint {
        for (slot, key) in sig.iter_mut().zip(&KEYS) {
            *slot = (*slot).min((s ^ key).wrapping_mul(M));
        }
    }
    sig
}

/// The bucket keys of a signature, one per band.
fn band_keys(sig: &[u64; HASHES]) -> [u64; BANDS] {
    let mut keys = [0u64; BANDS];
    for (band, key) in keys.iter_mut().enumerate() {
        let rows = &sig[band * ROWS..(band + 1) * ROWS];
        *key = rows
            .iter()
            .fold(mix(band as u64 + 1), |k, r| mix(k ^ r.rotate_left(17)));
    }
    keys
}

/// A description's fingerprint, with the band keys and sketch of its signature.
struct Print {
    fingerprint: Vec<u64>,
    keys: [u64; BANDS],
    /// The low 16 bits of each signature value: enough to estimate a similarity.
    sketch: [u16; HASHES],
}

/// The print of a description; `None` when it has too few words to compare.
fn print(text: &str) -> Option<Print> {
    let fingerprint = shingles(text);
    if fingerprint.is_empty() {
        return None;
    }
    let sig = signature(&fingerprint);
    Some(Print {
        keys: band_keys(&sig),
        sketch: std::array::from_fn(|k| sig[k] as u16),
        fingerprint,
    })
}

/// Most groups given the exact comparison per description (the most alike by estimate): a
/// bound on the work that, on the synthetic corpus, finds the same groups as no bound.
const VERIFIED: usize = 16;

/// Descriptions printed at a time (on all cores), so memory stays bounded however many there are.
const BATCH: usize = 4096;

/// The prints of `texts`, in order, worked out on all cores.
fn print_all(texts: &[&str]) -> Vec<Option<Print>> {
    let cores = super::engine::cores();
    if cores < 2 || texts.len() < 256 {
        return texts.iter().map(|t| print(t)).collect();
    }
    std::thread::scope(|s| {
        let handles: Vec<_> = texts
            .chunks(texts.len().div_ceil(cores))
            .map(|part| s.spawn(move || part.iter().map(|t| print(t)).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    })
}

/// Groups `texts` (taken in the order given, so the first of a group is its earliest when the
/// caller sorts by date) into groups of near-identical ones; returns the groups of two or more
/// as indexes into `texts`, each in the order given, largest groups first.
pub fn near_identical(texts: &[&str]) -> Vec<Vec<usize>> {
    struct Group {
        fingerprint: Vec<u64>,
        sketch: [u16; HASHES],
        members: Vec<usize>,
    }
    let mut groups: Vec<Group> = Vec::new();
    let mut buckets: HashMap<u64, Vec<u32>, BuildHasherDefault<PassThrough>> = HashMap::default();
    // The last description each group was compared with, so a group in several shared bands
    // is compared once.
    let mut compared: Vec<usize> = Vec::new();
    let mut candidates: Vec<(usize, u32)> = Vec::new();
    for (b, batch) in texts.chunks(BATCH).enumerate() {
        for (k, p) in print_all(batch).into_iter().enumerate() {
            let Some(p) = p else { continue };
            let i = b * BATCH + k;
            candidates.clear();
            for key in &p.keys {
                let Some(bucket) = buckets.get(key).filter(|b| b.len() < PER_BAND) else {
                    continue;
                };
                for &g in bucket {
                    if compared[g as usize] == i {
                        continue;
                    }
                    compared[g as usize] = i;
                    let group = &groups[g as usize];
                    let equal = p
                        .sketch
                        .iter()
                        .zip(&group.sketch)
                        .filter(|(a, b)| a == b)
                        .count();
                    if equal >= ESTIMATE_MIN {
                        candidates.push((equal, g));
                    }
                }
            }
            // The most alike by estimate (earliest group on ties) get the exact comparison.
            candidates.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            let mut best: Option<(f64, u32)> = None;
            for &(_, g) in candidates.iter().take(VERIFIED) {
                let j = jaccard(&p.fingerprint, &groups[g as usize].fingerprint);
                if j >= THRESHOLD && best.is_none_or(|(b, _)| j > b) {
                    best = Some((j, g));
                }
            }
            match best {
                Some((_, g)) => groups[g as usize].members.push(i),
                None => {
                    let g = groups.len() as u32;
                    for key in p.keys {
                        let bucket = buckets.entry(key).or_default();
                        if bucket.len() < PER_BAND {
                            bucket.push(g);
                        }
                    }
                    groups.push(Group {
                        fingerprint: p.fingerprint,
                        sketch: p.sketch,
                        members: vec![i],
                    });
                    compared.push(i);
                }
            }
        }
    }
    let mut out: Vec<Vec<usize>> = groups
        .into_iter()
        .map(|g| g.members)
        .filter(|m| m.len() >= 2)
        .collect();
    out.sort_by(|a, b| b.len().cmp(&a.len()).then(a[0].cmp(&b[0])));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAX: &str = "Lab results for the patient were faxed to the wrong clinic because the \
        fax number in the referral was transposed; the clinic called us and shredded the pages.";

    #[test]
    fn near_identical_reports_are_grouped() {
        let texts = [
            "Fax with discharge papers sent to 555-0100 on 2026-03-05; the recipient called back.",
            FAX,
            "A laptop was stolen from a staff member's car overnight; the disk was encrypted.",
            // The same fax report, with other dates, numbers and a name.
            "Lab results for the patient were faxed to the wrong clinic because the fax number \
             in the referral was transposed; the clinic called us on 4/11 and Dr. Lee shredded \
             the 3 pages.",
            "Badge door to the records room was propped open during the night shift again.",
            "Lab results for the patient were faxed to the wrong clinic because the fax number \
             in the referral was transposed; the clinic called us and shredded the pages!",
        ];
        let groups = near_identical(&texts);
        assert_eq!(groups, vec![vec![1, 3, 5]]);
    }

    #[test]
    fn different_reports_stay_apart() {
        let texts = [
            FAX,
            "Lab results for the patient were emailed to a namesake because autocomplete \
             picked the wrong address; the recipient deleted the message.",
            "Referral papers were faxed to an old number of a closed office; nobody answered.",
            "see note",
            "see note",
        ];
        assert!(near_identical(&texts).is_empty());
    }

    #[test]
    fn many_copies_stay_in_one_group_in_bounded_work() {
        let texts: Vec<String> = (0..5_000)
            .map(|n| {
                format!(
                    "Report {n}: {} {}",
                    FAX,
                    ["night shift", "day shift", "weekend"][n % 3]
                )
            })
            .collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let groups = near_identical(&refs);
        assert_eq!(
            groups.len(),
            1,
            "{:?}",
            groups.iter().map(Vec::len).collect::<Vec<_>>()
        );
        assert_eq!(groups[0].len(), 5_000);
    }
}
