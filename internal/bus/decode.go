package bus

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/godbus/dbus/v5"
)

var (
	variantType  = reflect.TypeFor[dbus.Variant]()
	anySliceType = reflect.TypeFor[[]any]()
)

// Decode fills the struct dst points to from props, a property map as
// GetAll returns it. A field takes the property its `dbus:"Name"` tag names;
// untagged fields and fields tagged `dbus:"-"` are left alone, and embedded
// structs without a tag are filled the same way.
//
// A property missing from props is not an error, because the running systemd
// may be older than the property: its field keeps its value and its name is
// returned in absent, in field order. A property whose D-Bus type does not
// fit its field is an error naming the property and both types.
//
// Types must match exactly in kind: D-Bus "u" (uint32) fills a uint32 or a
// type defined on it, never a uint64 or an int. D-Bus structs fill Go structs
// field by field, arrays fill slices, dicts fill maps. A dbus.Variant or an
// interface field takes any value.
func Decode(props map[string]dbus.Variant, dst any) (absent []string, err error) {
	v := reflect.ValueOf(dst)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return nil, fmt.Errorf("decode properties into %T: want a non-nil pointer to a struct", dst)
	}

	d := decoder{props: props}
	d.decodeStruct(v.Elem())
	return d.absent, errors.Join(d.errs...)
}

type decoder struct {
	props  map[string]dbus.Variant
	absent []string
	errs   []error
}

func (d *decoder) decodeStruct(v reflect.Value) {
	t := v.Type()
	for i := range t.NumField() {
		field := t.Field(i)
		tag, tagged := field.Tag.Lookup("dbus")

		switch {
		case !tagged && field.Anonymous && field.Type.Kind() == reflect.Struct:
			d.decodeStruct(v.Field(i))
		case !tagged || tag == "-" || tag == "":
			continue
		case !field.IsExported():
			d.errs = append(d.errs, fmt.Errorf("property %s: field %s is unexported", tag, field.Name))
		default:
			d.decodeField(tag, v.Field(i))
		}
	}
}

func (d *decoder) decodeField(name string, field reflect.Value) {
	prop, ok := d.props[name]
	if !ok {
		d.absent = append(d.absent, name)
		return
	}

	if !assign(field, prop) {
		d.errs = append(d.errs, &TypeError{
			Property: name,
			DBusType: prop.Signature().String(),
			GoType:   field.Type().String(),
		})
	}
}

// TypeError is a property whose D-Bus type does not fit the Go field Decode
// was asked to fill.
type TypeError struct {
	Property string
	DBusType string
	GoType   string
}

func (e *TypeError) Error() string {
	return fmt.Sprintf("property %s: D-Bus type %q does not fit Go type %s",
		e.Property, e.DBusType, e.GoType)
}

// assign stores src into dst, converting only between types of the same
// kind, and reports whether it could. On failure dst may be partly set.
func assign(dst reflect.Value, src any) bool {
	if dst.Type() == variantType {
		return assignVariant(dst, src)
	}
	if variant, ok := src.(dbus.Variant); ok {
		return assign(dst, variant.Value())
	}

	s := reflect.ValueOf(src)
	if !s.IsValid() {
		return false
	}

	switch dst.Kind() {
	case reflect.Interface:
		return assignInterface(dst, s)
	case reflect.Struct:
		return assignStruct(dst, s)
	case reflect.Slice:
		return assignSlice(dst, s)
	case reflect.Map:
		return assignMap(dst, s)
	case reflect.Pointer:
		return assignPointer(dst, src)
	case reflect.Array, reflect.Chan, reflect.Func, reflect.UnsafePointer,
		reflect.Complex64, reflect.Complex128, reflect.Uintptr, reflect.Int, reflect.Uint:
		return false
	}

	if s.Kind() != dst.Kind() {
		return false
	}
	dst.Set(s.Convert(dst.Type()))
	return true
}

func assignInterface(dst, src reflect.Value) bool {
	if !src.Type().AssignableTo(dst.Type()) {
		return false
	}
	dst.Set(src)
	return true
}

// assignVariant stores any value in a dbus.Variant field. A value that
// arrived as a variant keeps the signature it had on the wire.
func assignVariant(dst reflect.Value, src any) bool {
	v, ok := src.(dbus.Variant)
	if !ok {
		v, ok = makeVariant(src)
	}
	if ok {
		dst.Set(reflect.ValueOf(v))
	}
	return ok
}

// makeVariant wraps a decoded value in a variant. godbus panics on values
// whose signature it cannot derive, such as a nil or a map with bool keys
// taken out of a struct.
func makeVariant(value any) (v dbus.Variant, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()

	if value == nil {
		return dbus.Variant{}, false
	}
	return dbus.MakeVariant(value), true
}

// assignStruct fills a Go struct from a D-Bus struct, which godbus decodes
// as []any.
func assignStruct(dst, src reflect.Value) bool {
	if src.Type() != anySliceType {
		return false
	}

	fields := structFields(dst)
	if len(fields) != src.Len() {
		return false
	}
	for i, f := range fields {
		if !assign(f, src.Index(i).Interface()) {
			return false
		}
	}
	return true
}

// structFields returns the settable fields a D-Bus struct fills, in order.
func structFields(v reflect.Value) []reflect.Value {
	var fields []reflect.Value
	for i := range v.NumField() {
		f := v.Type().Field(i)
		if f.IsExported() && f.Tag.Get("dbus") != "-" {
			fields = append(fields, v.Field(i))
		}
	}
	return fields
}

func assignSlice(dst, src reflect.Value) bool {
	if src.Kind() != reflect.Slice {
		return false
	}
	if src.Type() == anySliceType && !isAnySlice(dst) {
		return false
	}

	out := reflect.MakeSlice(dst.Type(), src.Len(), src.Len())
	for i := range src.Len() {
		if !assign(out.Index(i), src.Index(i).Interface()) {
			return false
		}
	}
	dst.Set(out)
	return true
}

// isAnySlice tells whether a D-Bus struct ([]any) may fill the slice v
// element by element: only when its elements take any value.
func isAnySlice(v reflect.Value) bool {
	return v.Type().Elem().Kind() == reflect.Interface
}

func assignMap(dst, src reflect.Value) bool {
	if src.Kind() != reflect.Map {
		return false
	}

	out := reflect.MakeMapWithSize(dst.Type(), src.Len())
	iter := src.MapRange()
	for iter.Next() {
		key := reflect.New(dst.Type().Key()).Elem()
		elem := reflect.New(dst.Type().Elem()).Elem()
		if !assign(key, iter.Key().Interface()) || !assign(elem, iter.Value().Interface()) {
			return false
		}
		out.SetMapIndex(key, elem)
	}
	dst.Set(out)
	return true
}

func assignPointer(dst reflect.Value, src any) bool {
	p := reflect.New(dst.Type().Elem())
	if !assign(p.Elem(), src) {
		return false
	}
	dst.Set(p)
	return true
}
