# bash completion for swapctl(8)                                       -*- shell-script -*-
#
# Commands, subcommands and options come from swapctl's own --help output (the binary being
# completed), so they follow the installed version. Swapfiles are the fstab entries carrying
# x-swapctl (in --fstab FILE, or <--root DIR>/etc/fstab); zram devices are those swapctl
# created since boot (/run/swapctl/zram-ids, same device and diskseq) and zram devices in use
# as swap. /proc, /sys and /run are read below $SWAPCTL_SYSROOT when it is set, as swapctl does.

# _swapctl_opts: read --help text on stdin, print "NAME ARG" per option (ARG 1 when the help
# shows a metavariable after it anywhere: --path FILE, -s, --size SIZE, --set vm.KEY=VALUE).
_swapctl_opts()
{
    awk 'BEGIN {
        name = "--?[A-Za-z][A-Za-z-]*"
        meta = "[A-Za-z.=|%]*[A-Z][A-Za-z.=|%]*"
        re = "(^|[[ (])" name "(, " name ")?( " meta ")?"
    }
    {
        line = $0
        while (match(line, re)) {
            tok = substr(line, RSTART, RLENGTH)
            line = substr(line, RSTART + RLENGTH)
            sub(/^[[ (]/, "", tok)
            gsub(/,/, "", tok)
            n = split(tok, f, " ")
            arg = f[n] !~ /^-/
            for (i = 1; i <= n; i++)
                if (f[i] ~ /^-/ && !(f[i] in takes && takes[f[i]]))
                    takes[f[i]] = arg
        }
    }
    END {
        for (o in takes)
            print o, takes[o]
    }' | LC_ALL=C sort
}

# _swapctl_match CANDIDATE...: add those starting with $cur to COMPREPLY
_swapctl_match()
{
    local w
    for w; do
        [[ $w == "$cur"* ]] && COMPREPLY+=("$w")
    done
}

# _swapctl_managed FSTAB: the swapfiles of FSTAB's x-swapctl swap entries
_swapctl_managed()
{
    [[ -r $1 ]] || return 0
    awk '$1 !~ /^#/ && $1 ~ /^\// && $3 == "swap" && ("," $4 ",") ~ /,x-swapctl(=[^,]*)?,/ {
        p = $1
        out = ""
        while (match(p, /\\[0-7][0-7][0-7]/)) {
            c = substr(p, RSTART + 1, 3)
            v = (substr(c, 1, 1) * 64) + (substr(c, 2, 1) * 8) + substr(c, 3, 1)
            out = out substr(p, 1, RSTART - 1) sprintf("%c", v)
            p = substr(p, RSTART + 4)
        }
        print out p
    }' "$1"
}

# _swapctl_zram SYSROOT: /dev/zramN of the devices `zram remove` acts on
_swapctl_zram()
{
    local sysroot=$1 name seq rest cur_seq dev
    local -A seen=()
    if [[ -r $sysroot/run/swapctl/zram-ids ]]; then
        while read -r name seq rest; do
            [[ $name =~ ^zram[0-9]+$ && $seq == diskseq=* ]] || continue
            [[ -d $sysroot/sys/block/$name ]] || continue
            cur_seq=
            [[ -r $sysroot/sys/block/$name/diskseq ]] &&
                read -r cur_seq <"$sysroot/sys/block/$name/diskseq"
            [[ -z $cur_seq || $cur_seq == "${seq#diskseq=}" ]] && seen[$name]=1
        done <"$sysroot/run/swapctl/zram-ids"
    fi
    if [[ -r $sysroot/proc/swaps ]]; then
        while read -r dev rest; do
            name=${dev#/dev/}
            [[ $name =~ ^zram[0-9]+$ && -d $sysroot/sys/block/$name ]] && seen[$name]=1
        done <"$sysroot/proc/swaps"
    fi
    for name in "${!seen[@]}"; do
        printf '/dev/%s\n' "$name"
    done
}

_swapctl()
{
    local cur prev words cword split
    _init_completion -s || return

    local bin=${words[0]} sysroot=${SWAPCTL_SYSROOT-}
    [[ $bin == "~"/* ]] && bin=$HOME/${bin#"~/"}
    type -P "$bin" &>/dev/null || bin=swapctl
    type -P "$bin" &>/dev/null || return

    local help
    help=$(LC_ALL=C "$bin" --help 2>/dev/null) || return
    local -a cmds=() gopts=()
    local -A sub=() takes=()
    local n a line
    while read -r n a; do
        gopts+=("$n")
        takes[$n]=$a
    done < <(sed -n '/^Global options:/,$p' <<<"$help" | _swapctl_opts)
    while IFS= read -r line; do
        [[ $line =~ ^\ \ ([a-z]+)(\ ([a-z|]+)(\ |$))? ]] || continue
        n=${BASH_REMATCH[1]}
        [[ " ${cmds[*]} " == *" $n "* ]] || cmds+=("$n")
        [[ ${BASH_REMATCH[3]} ]] && sub[$n]+=" ${BASH_REMATCH[3]//|/ }"
    done < <(sed '/^Global options:/,$d' <<<"$help")

    # What is on the line before the word being completed.
    local i w cmd= subcmd= root= fstab= skip=
    local -a pos=() copts=()
    for ((i = 1; i < cword; i++)); do
        w=${words[i]}
        if [[ $skip ]]; then
            case $skip in
                --root) root=$w ;;
                --fstab) fstab=$w ;;
            esac
            skip=
            continue
        fi
        case $w in
            --root=*) root=${w#*=} ;;
            --fstab=*) fstab=${w#*=} ;;
            --) ;;
            -*=*) ;;
            -*) [[ ${takes[$w]-} == 1 ]] && skip=$w ;;
            *)
                if [[ -z $cmd ]]; then
                    cmd=$w
                elif [[ ${sub[$cmd]-} && -z $subcmd ]]; then
                    subcmd=$w
                else
                    pos+=("$w")
                fi
                ;;
        esac
        # a command's options are known once the command (and subcommand) is; only a
        # command the help lists is run, and only with --help
        if [[ $cmd && " ${cmds[*]} " == *" $cmd "* && ( -z ${sub[$cmd]-} || $subcmd ) &&
            ${#copts[@]} -eq 0 ]]; then
            while read -r n a; do
                copts+=("$n")
                takes[$n]=$a
            done < <(LC_ALL=C "$bin" "$cmd" ${subcmd:+"$subcmd"} --help 2>/dev/null | _swapctl_opts)
        fi
    done
    root=${root/#\~/$HOME}
    fstab=${fstab/#\~/$HOME}
    [[ $fstab ]] || fstab=$root/etc/fstab

    # The value of the option before the cursor.
    case $prev in
        --root | --sysctl-dir)
            _filedir -d
            return
            ;;
        --fstab | --path)
            _filedir
            return
            ;;
        --profile)
            local profiles
            profiles=$(LC_ALL=C "$bin" sysctl --help 2>/dev/null |
                sed -n 's/.*Profiles: \(.*\)\..*/\1/p' | tr -d ,)
            COMPREPLY=($(compgen -W "$profiles" -- "$cur"))
            return
            ;;
        --discard)
            if $split; then
                COMPREPLY=($(compgen -W "once pages" -- "$cur"))
                return
            fi
            ;;
        --algorithm)
            local algs= f
            for f in "$sysroot"/sys/block/zram*/comp_algorithm; do
                [[ -r $f ]] && algs+=" $(tr -d '[]' <"$f")"
            done
            COMPREPLY=($(compgen -W "${algs:-lzo lzo-rle lz4 lz4hc 842 zstd}" -- "$cur"))
            return
            ;;
        --compressor)
            local comps
            comps=$(awk '$1 == "name" { n = $3 }
                $1 == "type" && $3 ~ /^(compression|scomp|acomp)$/ { print n }' \
                "$sysroot/proc/crypto" 2>/dev/null)
            COMPREPLY=($(compgen -W "${comps:-lzo lzo-rle lz4 lz4hc 842 zstd deflate}" -- "$cur"))
            return
            ;;
        --set)
            COMPREPLY=($(compgen -W "$(LC_ALL=C "$bin" sysctl show 2>/dev/null |
                awk '$1 ~ /^vm\./ { print $1 "=" }')" -- "$cur"))
            [[ ${COMPREPLY-} == *= ]] && compopt -o nospace 2>/dev/null
            return
            ;;
        --pid)
            _pids
            return
            ;;
    esac
    # any other option's value: nothing to offer
    [[ ${takes[$prev]-} == 1 ]] && return

    if [[ $cur == -* ]]; then
        if [[ -z $cmd ]]; then
            COMPREPLY=($(compgen -W "${gopts[*]}" -- "$cur"))
        else
            [[ " ${copts[*]} " == *" --help "* ]] || copts+=(--help)
            COMPREPLY=($(compgen -W "${copts[*]}" -- "$cur"))
            # --discard takes its value after "="
            [[ " ${copts[*]} " == *" --discard "* ]] && _swapctl_match --discard=
        fi
        [[ ${COMPREPLY-} == *= ]] && compopt -o nospace 2>/dev/null
        return
    fi

    if [[ -z $cmd ]]; then
        COMPREPLY=($(compgen -W "${cmds[*]}" -- "$cur"))
        return
    fi
    if [[ ${sub[$cmd]-} && -z $subcmd ]]; then
        COMPREPLY=($(compgen -W "${sub[$cmd]}" -- "$cur"))
        return
    fi

    local -a cand=()
    local p
    case $cmd${subcmd:+ $subcmd} in
        add | "zram add")
            [[ ${#pos[@]} -eq 0 ]] && COMPREPLY=($(compgen -W "auto" -- "$cur"))
            return
            ;;
        remove | rotate)
            mapfile -t cand < <(_swapctl_managed "$fstab")
            ;;
        resize)
            [[ ${#pos[@]} -eq 0 ]] || return
            mapfile -t cand < <(_swapctl_managed "$fstab")
            ;;
        priority)
            [[ ${#pos[@]} -eq 0 ]] || return
            mapfile -t cand < <(_swapctl_managed "$fstab")
            ;;
        "zram remove" | "zram writeback" | "zram recompress")
            mapfile -t cand < <(_swapctl_zram "$sysroot" | sort)
            # zramN names the same device as /dev/zramN
            [[ $cur == z* ]] && cand=("${cand[@]#/dev/}")
            ;;
        *)
            return
            ;;
    esac
    # not the ones already named
    for p in "${cand[@]}"; do
        [[ " ${pos[*]} " == *" $p "* ]] || _swapctl_match "$p"
    done
    if ((${#COMPREPLY[@]})); then
        compopt -o filenames 2>/dev/null
    elif [[ $cmd != zram ]]; then
        # a swapfile swapctl does not manage is named by its path
        _filedir
    fi
} &&
    complete -F _swapctl swapctl

# ex: filetype=sh
