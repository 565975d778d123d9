# Installs the units SC_UNITS (run by `cmake --install`, after CMakeLists.txt set SC_UNITS,
# SC_UNIT_SRC, SC_UNIT_BIN, SC_SBINDIR and SC_UNIT_DIR): <name>.in with @SWAPCTL_SBINDIR@
# filled in, or <name> as it is. CMAKE_INSTALL_PREFIX here is the prefix of this
# installation (`--prefix` included), and the unit must name the binary where
# install(TARGETS) puts it: <prefix>/<sbindir>, or sbindir itself when that is absolute.

function(sc_install_path dir ret)
  if(IS_ABSOLUTE "${dir}")
    set(p "${dir}")
  else()
    set(p "${CMAKE_INSTALL_PREFIX}/${dir}")
  endif()
  string(REGEX REPLACE "/+" "/" p "${p}")
  string(REGEX REPLACE "(.)/$" "\\1" p "${p}")
  set(${ret} "${p}" PARENT_SCOPE)
endfunction()

if(NOT IS_ABSOLUTE "${CMAKE_INSTALL_PREFIX}/") # "/" is ""
  message(FATAL_ERROR "swapctl.service: the install prefix '${CMAKE_INSTALL_PREFIX}' is not "
    "an absolute path, so the unit cannot name the binary; install with an absolute --prefix")
endif()
sc_install_path("${SC_SBINDIR}" SWAPCTL_SBINDIR)
sc_install_path("${SC_UNIT_DIR}" sc_unit_dir)
# ExecStart= and RequiresMountsFor= split on blanks and expand % and \ sequences.
if(NOT SWAPCTL_SBINDIR MATCHES "^/[A-Za-z0-9._+/-]*$")
  message(FATAL_ERROR "swapctl.service: the binary's directory '${SWAPCTL_SBINDIR}' has "
    "characters a unit file would read differently (blanks, %, \\, quotes); install with "
    "another --prefix")
endif()
foreach(unit IN LISTS SC_UNITS)
  if(EXISTS "${SC_UNIT_SRC}/${unit}.in")
    configure_file("${SC_UNIT_SRC}/${unit}.in" "${SC_UNIT_BIN}/${unit}" @ONLY)
  else()
    configure_file("${SC_UNIT_SRC}/${unit}" "${SC_UNIT_BIN}/${unit}" COPYONLY)
  endif()
  file(INSTALL DESTINATION "${sc_unit_dir}" TYPE FILE FILES "${SC_UNIT_BIN}/${unit}")
endforeach()
