//! The few transcendental functions the page draws with, taken from the browser's `Math` in the
//! WebAssembly build: Rust's own (`f64::sin`, `powf`, `log10`) link `libm` into the download for
//! numbers that only place shapes and set the speed slider. The simulator never uses floating point.

#[cfg(target_arch = "wasm32")]
mod imp {
    pub fn sin(x: f64) -> f64 {
        js_sys::Math::sin(x)
    }
    pub fn cos(x: f64) -> f64 {
        js_sys::Math::cos(x)
    }
    pub fn pow(x: f64, y: f64) -> f64 {
        js_sys::Math::pow(x, y)
    }
    pub fn log10(x: f64) -> f64 {
        js_sys::Math::log10(x)
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    pub fn sin(x: f64) -> f64 {
        x.sin()
    }
    pub fn cos(x: f64) -> f64 {
        x.cos()
    }
    pub fn pow(x: f64, y: f64) -> f64 {
        x.powf(y)
    }
    pub fn log10(x: f64) -> f64 {
        x.log10()
    }
}

pub use imp::{cos, log10, pow, sin};
