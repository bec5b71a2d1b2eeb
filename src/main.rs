//! The `folio` command: parses arguments, calls the library, prints diagnostics for people
//! and sets the exit status (0 success, 1 bad input or failed export, 2 usage error).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use folio::export::{self, ExportOptions, Format};
use folio::frontend::{self, LoadOptions};
use folio::model::PageSize;

/// mimalloc (its 2.x line) rather than the system allocator: layout makes and frees millions
/// of small vectors on several threads, and glibc's malloc took some 15% of a book's export.
/// Built without transparent huge pages: on a virtual machine that hands freed memory back
/// to its host, a huge page taken by a fresh process must be backed again, and a book's PDF
/// took 0.35–0.48 s with them against 0.30–0.34 s without (with them it was faster only when
/// run again within a second or two). Its 3.x line was over the memory budget. See README,
/// Performance.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const EXAMPLES: &str = "\
Examples:
  folio export                      export content/ to output/ as PDF and EPUB
  folio export --pdf book/          a book folder with a folio.toml, PDF only
  folio export --epub notes.md -o dist
  folio export --page-size 6x9in --strict content/
  folio inspect content/article.md  print the document model as JSON";

#[derive(Parser)]
#[command(name = "folio", version, about = "Markdown to print-quality PDF and clean EPUB 3", after_help = EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Export documents to PDF and/or EPUB.
    #[command(after_help = EXAMPLES)]
    Export(ExportArgs),
    /// Print the parsed document model as JSON.
    Inspect(InspectArgs),
}

#[derive(Args)]
struct ExportArgs {
    /// A Markdown file, a book folder with a folio.toml, or a folder of Markdown files.
    #[arg(default_value = "content")]
    input: PathBuf,
    /// Write a PDF (with neither --pdf nor --epub: both).
    #[arg(long)]
    pdf: bool,
    /// Write an EPUB (with neither --pdf nor --epub: both).
    #[arg(long)]
    epub: bool,
    /// Folder for the exported files.
    #[arg(short = 'o', long = "output", value_name = "DIR", default_value = "output")]
    output: PathBuf,
    /// Treat warnings as errors.
    #[arg(long)]
    strict: bool,
    /// Print only errors.
    #[arg(short, long)]
    quiet: bool,
    /// Print every warning and file written.
    #[arg(short, long)]
    verbose: bool,
    /// Page size for the PDF: a4, a5, letter, 6x9in, 210x297mm...
    #[arg(long, value_name = "SIZE", value_parser = parse_page_size)]
    page_size: Option<PageSize>,
    /// Allow chapters, images and fonts outside the input folder.
    #[arg(long)]
    allow_outside: bool,
}

#[derive(Args)]
struct InspectArgs {
    /// A Markdown file, a book folder with a folio.toml, or a folder of Markdown files.
    input: PathBuf,
    /// Allow chapters, images and fonts outside the input folder.
    #[arg(long)]
    allow_outside: bool,
}

fn parse_page_size(s: &str) -> Result<PageSize, String> {
    PageSize::parse(s)
        .ok_or_else(|| format!("`{s}` is not a page size (a4, a5, letter, 6x9in, 210x297mm...)"))
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match cli.command {
        Command::Export(args) => run_export(args),
        Command::Inspect(args) => run_inspect(args),
    }
}

fn run_export(args: ExportArgs) -> ExitCode {
    let mut formats = Vec::new();
    if args.pdf || !args.epub {
        formats.push(Format::Pdf);
    }
    if args.epub || !args.pdf {
        formats.push(Format::Epub);
    }
    let options = ExportOptions {
        input: args.input.clone(),
        output_dir: args.output.clone(),
        formats,
        strict: args.strict,
        page_size: args.page_size,
        load: LoadOptions {
            allow_outside: args.allow_outside,
        },
    };
    let quiet = args.quiet;
    let verbose = args.verbose;
    let started = std::time::Instant::now();
    // A progress bar on a terminal, for folders of several documents.
    let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new(0);
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} documents  {elapsed}")
        {
            bar.set_style(style);
        }
        bar
    });
    let progress = |done: usize, total: usize| {
        if let Some(bar) = &bar
            && total > 1
        {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        }
    };
    let result = export::run(&options, &progress);
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    match result {
        Ok(report) => {
            for doc in &report.documents {
                if !quiet {
                    for w in &doc.warnings {
                        eprintln!("warning: {w}");
                    }
                }
                match &doc.error {
                    Some(e) => eprintln!("error: {}: {e}", doc.source.display()),
                    None if verbose => {
                        for out in &doc.outputs {
                            eprintln!("wrote {} ({} bytes)", out.path.display(), out.bytes);
                        }
                    }
                    None => {}
                }
            }
            let failed = report.failed();
            if !quiet {
                let total = report.documents.len();
                let seconds = started.elapsed().as_secs_f64();
                eprintln!(
                    "{} document{} exported{}, {} page{}, {} warning{}, {:.2} s ({:.0} documents/s)",
                    total - failed,
                    if total - failed == 1 { "" } else { "s" },
                    if failed > 0 {
                        format!(", {failed} failed")
                    } else {
                        String::new()
                    },
                    report.pages(),
                    if report.pages() == 1 { "" } else { "s" },
                    report.warnings(),
                    if report.warnings() == 1 { "" } else { "s" },
                    seconds,
                    total as f64 / seconds.max(1e-9)
                );
            }
            if failed > 0 {
                let names: Vec<String> = report
                    .documents
                    .iter()
                    .filter(|d| d.error.is_some())
                    .map(|d| d.source.display().to_string())
                    .collect();
                eprintln!("failed: {}", names.join(", "));
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

fn run_inspect(args: InspectArgs) -> ExitCode {
    let options = LoadOptions {
        allow_outside: args.allow_outside,
    };
    let sources = match frontend::discover(&args.input) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let mut documents = Vec::new();
    let mut failed = false;
    for source in &sources {
        match frontend::load(source, &options) {
            Ok(loaded) => {
                for w in &loaded.warnings {
                    eprintln!("warning: {w}");
                }
                documents.push(loaded.document);
            }
            Err(e) => {
                eprintln!("error: {e}");
                failed = true;
            }
        }
    }
    let json = if sources.len() == 1 && documents.len() == 1 {
        serde_json::to_string_pretty(&documents[0])
    } else {
        serde_json::to_string_pretty(&documents)
    };
    match json {
        Ok(text) => println!("{text}"),
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
