//! A small deterministic random number generator.
//!
//! We carry our own generator (SplitMix64 seeding a xoshiro256**) instead of
//! depending on `rand`, because the contract is "same input and seed give
//! byte-identical output" across releases: a dependency upgrade that changed
//! a sampling algorithm would silently change every plan. Both algorithms
//! are by Blackman and Vigna (<https://prng.di.unimi.it/>).

/// xoshiro256** seeded through SplitMix64.
#[derive(Clone, Debug)]
pub struct Rng {
    s: [u64; 4],
}

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Rng {
    /// A generator for `seed`; equal seeds give equal streams.
    #[must_use]
    pub fn new(seed: u64) -> Self {
        let mut st = seed;
        Self {
            s: [
                splitmix(&mut st),
                splitmix(&mut st),
                splitmix(&mut st),
                splitmix(&mut st),
            ],
        }
    }

    /// A generator derived from `seed` and a stream key, so that each village
    /// gets its own stream whatever order villages are processed in.
    #[must_use]
    pub fn derive(seed: u64, key: &str) -> Self {
        // FNV-1a over the key, mixed with the seed.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in key.as_bytes() {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        Self::new(seed ^ h.rotate_left(17))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// A uniform float in [0, 1).
    pub fn f64(&mut self) -> f64 {
        // 53 random bits; the conversions are exact.
        let v = (self.next_u64() >> 11) as f64;
        v * (1.0 / 9_007_199_254_740_992.0)
    }

    /// A uniform float in [lo, hi).
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.f64()
    }

    /// A uniform integer in [0, n); n must be > 0.
    pub fn below(&mut self, n: usize) -> usize {
        // Lemire's multiply-shift; the tiny bias is irrelevant here.
        let n = n as u64;
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as usize
    }

    /// A standard normal variate (Box-Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = self.f64().max(1e-300);
        let u2 = self.f64();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
        let mut c = Rng::new(8);
        assert_ne!(Rng::new(7).next_u64(), c.next_u64());
    }

    // Reference vectors. They pin the streams every plan depends on, so an
    // accidental change of the generator fails here rather than silently
    // moving households. Each value was computed once from this
    // implementation and checked against an independent transcription of
    // SplitMix64 and xoshiro256** (Python, arbitrary-precision integers
    // masked to 64 bits); the first two tests use values published with the
    // reference C code, so the transcription is itself checked.

    #[test]
    fn splitmix64_matches_the_published_vector() {
        // SplitMix64 from state 0: the first outputs of the reference
        // splitmix64.c, which are also our generator's state for seed 0.
        assert_eq!(
            Rng::new(0).s[..3],
            [
                0xE220_A839_7B1D_CDAF,
                0x6E78_9E6A_A1B9_65F4,
                0x06C4_5D18_8009_454F
            ]
        );
    }

    #[test]
    fn xoshiro256starstar_matches_the_published_vector() {
        // State {1, 2, 3, 4}: the reference xoshiro256starstar.c's first ten
        // outputs (also rand_xoshiro's `reference` test).
        let mut r = Rng { s: [1, 2, 3, 4] };
        let got: Vec<u64> = (0..10).map(|_| r.next_u64()).collect();
        assert_eq!(
            got,
            [
                11_520,
                0,
                1_509_978_240,
                1_215_971_899_390_074_240,
                1_216_172_134_540_287_360,
                607_988_272_756_665_600,
                16_172_922_978_634_559_625,
                8_476_171_486_693_032_832,
                10_595_114_339_597_558_777,
                2_904_607_092_377_533_576,
            ]
        );
    }

    fn first_u64(mut r: Rng, n: usize) -> Vec<u64> {
        (0..n).map(|_| r.next_u64()).collect()
    }

    #[test]
    fn seeded_u64_streams() {
        assert_eq!(
            first_u64(Rng::new(0), 4),
            [
                0x99EC_5F36_CB75_F2B4,
                0xBF6E_1F78_4956_452A,
                0x1A5F_849D_4933_E6E0,
                0x6AA5_94F1_262D_2D2C,
            ]
        );
        assert_eq!(
            first_u64(Rng::new(1), 4),
            [
                0xB3F2_AF6D_0FC7_10C5,
                0x853B_5596_4736_4CEA,
                0x92F8_9756_082A_4514,
                0x642E_1C7B_C266_A3A7,
            ]
        );
        // Seed 42 through SplitMix64, as other xoshiro256** ports print it.
        assert_eq!(
            first_u64(Rng::new(42), 3),
            [
                1_546_998_764_402_558_742,
                6_990_951_692_964_543_102,
                12_544_586_762_248_559_009,
            ]
        );
    }

    #[test]
    fn derived_stream_for_a_village() {
        // FNV-1a of the village code, rotated, mixed into seed 1 (the
        // default seed): the stream one village's partition draws from.
        assert_eq!(
            first_u64(Rng::derive(1, "330381001001"), 4),
            [
                0x1E7D_BE26_F817_CC00,
                0xB9EF_12B4_30E9_D759,
                0xBED4_8CE6_ECE4_95D5,
                0x2F50_1F29_0920_BF9B,
            ]
        );
    }

    #[test]
    fn float_integer_and_normal_streams() {
        // Compared bit for bit: the promise is byte-identical output.
        let bits = |v: Vec<f64>| v.into_iter().map(f64::to_bits).collect::<Vec<_>>();
        let mut r = Rng::new(1);
        assert_eq!(
            bits((0..4).map(|_| r.f64()).collect()),
            bits(vec![
                0.702_921_833_158_850_5,
                0.520_436_619_938_856_9,
                0.574_105_700_019_722_5,
                0.391_328_602_041_904_45,
            ])
        );
        let mut r = Rng::new(7);
        assert_eq!(
            bits((0..3).map(|_| r.range(-3.0, 5.0)).collect()),
            bits(vec![
                2.604_611_857_437_516_8,
                -0.769_990_164_209_725_8,
                3.717_019_695_011_358_3,
            ])
        );
        let mut r = Rng::new(7);
        let small: Vec<usize> = (0..8).map(|_| r.below(10)).collect();
        assert_eq!(small, [7, 2, 8, 9, 9, 8, 0, 1]);
        let large: Vec<usize> = (0..3).map(|_| r.below(1_000_003)).collect();
        assert_eq!(large, [403_707, 151_816, 541_369]);
        // Box-Muller goes through ln, sqrt and cos; the values agree with
        // the transcription's (the platform's libm) to the last bit.
        let mut r = Rng::new(42);
        assert_eq!(
            bits((0..3).map(|_| r.normal()).collect()),
            bits(vec![
                -1.613_223_751_384_916_1,
                0.781_692_045_057_348_9,
                0.015_871_293_375_984_964,
            ])
        );
    }

    #[test]
    fn floats_in_range() {
        let mut r = Rng::new(1);
        for _ in 0..10_000 {
            let x = r.f64();
            assert!((0.0..1.0).contains(&x));
            assert!(r.below(3) < 3);
        }
    }
}
