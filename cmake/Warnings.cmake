# Project warning set, applied per target with smp_warnings(target).
function(smp_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
    -Wno-sign-conversion -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual
    -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough
    # GCC 12 reports impossible std::string memcpy overlaps at -O2 (GCC bug 105651): a false positive.
    # GCC 12 flags std::regex/std::function internals as maybe-uninitialized (GCC bug 105562), and
    # -Wnull-dereference fires inside libstdc++'s streambuf at -O2: both only on library code.
    $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict -Wno-maybe-uninitialized>)
endfunction()
