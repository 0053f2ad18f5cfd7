//! `cargo run -p newsdex-lang --example identify -- TEXT…`: what newsdex makes of each
//! argument (the model's answer, the script rule, the final guess).
fn main() {
    for text in std::env::args().skip(1) {
        println!(
            "{text:?}\n  model: {:?}\n  script: {:?}\n  guess: {:?}",
            newsdex_lang::model_guess(&text),
            newsdex_lang::script::rule(&text),
            newsdex_lang::identify(&text)
        );
    }
}
