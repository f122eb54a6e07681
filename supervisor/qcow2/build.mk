# libqcow2: qcow2 and raw images (supervisor/include/vmon/qcow2.h).
LIBQCOW2 := $(B)/libqcow2.a
LIBQCOW2_OBJS := $(patsubst %.c,$(B)/%.o,$(wildcard supervisor/qcow2/*.c))
LIBQCOW2_LDLIBS := -lz -lzstd
LIBS += $(LIBQCOW2)

$(LIBQCOW2): $(LIBQCOW2_OBJS)
	$(AR) rcs $@ $^
