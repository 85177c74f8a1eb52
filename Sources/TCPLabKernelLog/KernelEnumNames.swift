import CBPF
import Synchronization

/// The names of the kernel's enum values, read from the running kernel's BTF
/// (/sys/kernel/btf/vmlinux through libbpf's btf__load_vmlinux_btf).
///
/// The reset and drop reasons the BPF program reports are numbers whose meaning depends
/// on the kernel's version; their names do not. Read once per process and kept.
enum KernelEnumNames {
    /// Names by value for each enum asked for, or nil when BTF cannot be read.
    private static let cache = Mutex<[String: [UInt32: String]]>([:])

    /// The name of `value` in `enum typeName` without `prefix` ("TCP_LISTEN_OVERFLOW"),
    /// or the number as text when the kernel's BTF does not name it.
    static func name(of value: UInt32, in typeName: String, prefix: String) -> String {
        let names = cache.withLock { cache in
            if let names = cache[typeName] { return names }
            let names = read(typeName, prefix: prefix)
            cache[typeName] = names
            return names
        }
        return names[value] ?? String(value)
    }

    private static func read(_ typeName: String, prefix: String) -> [UInt32: String] {
        guard let btf = btf__load_vmlinux_btf() else { return [:] }
        defer { btf__free(btf) }
        let id = btf__find_by_name_kind(btf, typeName, UInt32(BTF_KIND_ENUM))
        guard id > 0, let type = btf__type_by_id(btf, UInt32(id)) else { return [:] }
        var names: [UInt32: String] = [:]
        let values = btf_enum(type)!
        for index in 0..<Int(btf_vlen(type)) {
            guard let name = btf__name_by_offset(btf, values[index].name_off) else { continue }
            var text = String(cString: name)
            if text.hasPrefix(prefix) { text.removeFirst(prefix.count) }
            names[UInt32(bitPattern: values[index].val)] = text
        }
        return names
    }
}
