# Project warning set, applied per target with smp_warnings(target).
function(smp_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
    -Wno-sign-conversion -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual -Wnull-dereference
    -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough
    # GCC 12 reports impossible std::string memcpy overlaps at -O2 (GCC bug 105651): a false positive.
    $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>)
endfunction()
