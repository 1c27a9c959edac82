# Run a chapter's R cells and inline R expressions in one R session (mlsys book engine).
#
# Usage: Rscript --vanilla runner.R PLAN.json OUTDIR
# The plan is a list of {kind: "cell"|"expr", code, error, fig-width, fig-height, dev, dpi}.
# Results go to OUTDIR/results.json in the shape the Python side uses for Jupyter results, and
# figures to OUTDIR/fig-<item>-<n>.<ext>. Exit status 3 means a required package is missing.

needed <- c("evaluate", "jsonlite", "knitr")
missing <- needed[!vapply(needed, requireNamespace, logical(1), quietly = TRUE)]
if (length(missing) > 0) {
  cat(paste(missing, collapse = " "), "\n", file = stderr())
  quit(status = 3)
}

args <- commandArgs(trailingOnly = TRUE)
plan <- jsonlite::fromJSON(args[[1]], simplifyVector = FALSE)
outdir <- args[[2]]
options(warn = 1, digits = 7, width = 80)

text_lines <- function(x) length(strsplit(x, "\n", fixed = TRUE)[[1]])

save_plot <- function(plot, item, n, spec) {
  dev <- if (is.null(spec$dev)) "svg" else spec$dev
  ext <- if (identical(dev, "png")) "png" else "svg"
  file <- file.path(outdir, sprintf("fig-%d-%d.%s", item, n, ext))
  if (ext == "png") {
    dpi <- if (is.null(spec$dpi)) 96 else spec$dpi
    grDevices::png(file, width = spec$w * dpi, height = spec$h * dpi, res = dpi)
  } else {
    grDevices::svg(file, width = spec$w, height = spec$h)
  }
  grDevices::replayPlot(plot)
  grDevices::dev.off()
  list(type = "display", file = basename(file),
       mime = if (ext == "png") "image/png" else "image/svg+xml")
}

# " in f(x)" for a condition raised inside a call; "" at top level (evaluate's own eval)
call_text <- function(x) {
  call <- conditionCall(x)
  if (is.null(call)) return("")
  text <- paste(deparse(call), collapse = " ")
  if (startsWith(text, "eval(")) "" else paste0(" in ", text)
}

condition_output <- function(x, kind) {
  msg <- conditionMessage(x)
  where <- call_text(x)
  if (kind == "message") {
    return(list(type = "stream", name = "stderr", text = msg, condition = "message"))
  }
  list(type = "stream", name = "stderr", text = paste0("Warning", where, ": ", msg, "\n"),
       condition = "warning")
}

# Visible values are printed as knitr prints them, so a `knitr::kable()` table (or anything
# whose knit_print method returns markdown) becomes a markdown table, not printed text.
# `knitr::include_graphics()` files become markdown images, with paths relative to the
# chapter's folder (code may run elsewhere: execute-dir), so the page links the file itself.
relative_to_doc <- function(file) {
  doc <- Sys.getenv("MLSYS_DOC_DIR", getwd())
  if (grepl("^(https?:)?//", file)) return(file)
  a <- strsplit(normalizePath(file, mustWork = FALSE), "/", fixed = TRUE)[[1]]
  b <- strsplit(normalizePath(doc, mustWork = FALSE), "/", fixed = TRUE)[[1]]
  n <- 0
  while (n < min(length(a), length(b)) && a[[n + 1]] == b[[n + 1]]) n <- n + 1
  paste(c(rep("..", length(b) - n), a[seq_along(a) > n]), collapse = "/")
}

value_handler <- evaluate::new_output_handler(value = function(x, visible) {
  if (!visible) return(invisible(NULL))
  if (inherits(x, "knit_image_paths")) {
    md <- vapply(as.character(x), function(f) paste0("![](", relative_to_doc(f), ")"), "")
    return(structure(list(md = paste(md, collapse = "\n\n")), class = "mlsys_md"))
  }
  res <- knitr::knit_print(x)
  if (inherits(res, "knit_asis")) {
    return(structure(list(md = paste(as.character(res), collapse = "\n")), class = "mlsys_md"))
  }
  invisible(NULL)
})

run_cell <- function(code, item, spec) {
  res <- evaluate::evaluate(code, envir = globalenv(), new_device = TRUE,
                            output_handler = value_handler,
                            stop_on_error = if (isTRUE(spec$error)) 0L else 1L)
  outputs <- list()
  out <- list(status = "ok", count = item)
  seen <- 0
  last_start <- 1
  figures <- 0
  for (x in res) {
    if (inherits(x, "source")) {
      last_start <- seen + 1
      seen <- seen + text_lines(x$src)
    } else if (is.character(x)) {
      outputs[[length(outputs) + 1]] <- list(type = "stream", name = "stdout", text = x)
    } else if (inherits(x, "mlsys_md")) {
      outputs[[length(outputs) + 1]] <- list(type = "display", data = list("text/markdown" = x$md))
    } else if (inherits(x, "recordedplot")) {
      figures <- figures + 1
      outputs[[length(outputs) + 1]] <- save_plot(x, item, figures, spec)
    } else if (inherits(x, "error")) {
      text <- paste0("Error", call_text(x), ": ", conditionMessage(x))
      outputs[[length(outputs) + 1]] <- list(type = "error", ename = "Error",
                                             evalue = conditionMessage(x), traceback = list(text))
      if (out$status == "ok") {
        out$status <- "error"
        out$ename <- "Error"
        out$evalue <- conditionMessage(x)
        out$line <- last_start
      }
    } else if (inherits(x, "warning")) {
      outputs[[length(outputs) + 1]] <- condition_output(x, "warning")
    } else if (inherits(x, "message")) {
      outputs[[length(outputs) + 1]] <- condition_output(x, "message")
    }
  }
  out$outputs <- outputs
  out
}

run_expr <- function(code) {
  value <- tryCatch(eval(parse(text = code), envir = globalenv()), error = function(e) e)
  if (inherits(value, "error")) {
    return(list(status = "error", ename = "Error", evalue = conditionMessage(value)))
  }
  if (is.numeric(value)) value <- as.character(round(value, getOption("digits")))
  list(status = "ok", value = paste(as.character(value), collapse = ", "))
}

results <- list()
limit <- as.numeric(Sys.getenv("MLSYS_CELL_TIMEOUT", "600"))
for (i in seq_along(plan)) {
  p <- plan[[i]]
  spec <- list(w = p[["fig-width"]], h = p[["fig-height"]], dev = p$dev, dpi = p$dpi,
               error = p$error)
  setTimeLimit(elapsed = limit, transient = TRUE)
  r <- if (identical(p$kind, "cell")) run_cell(p$code, i - 1, spec) else run_expr(p$code)
  setTimeLimit(elapsed = Inf)
  results[[i]] <- r
  if (identical(p$kind, "cell") && r$status == "error" && !isTRUE(p$error)) break
}
tmp <- file.path(outdir, "results.json.tmp")
writeLines(jsonlite::toJSON(results, auto_unbox = TRUE, null = "null"), tmp, useBytes = TRUE)
file.rename(tmp, file.path(outdir, "results.json"))
